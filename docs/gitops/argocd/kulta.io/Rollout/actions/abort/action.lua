-- `kulta abort`: the canary's weight goes to 0 on every route, then the canary scales down.
if obj.status == nil then
  obj.status = {}
end
obj.status.abort = true
return obj
