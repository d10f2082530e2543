-- `kulta retry`: status.abort=false starts an aborted canary again from its first step.
if obj.status == nil then
  obj.status = {}
end
obj.status.abort = false
return obj
