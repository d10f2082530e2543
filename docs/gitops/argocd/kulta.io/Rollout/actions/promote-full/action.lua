-- `kulta promote --full`: status.promoteFull skips every remaining step, pause and analysis.
if obj.status == nil then
  obj.status = {}
end
obj.status.promoteFull = true
return obj
