-- `kulta promote`: unpause (spec.paused) and clear the pause conditions; a canary that is not
-- paused skips its current step instead (status.currentStepIndex + 1), as Argo's CLI does.
local paused = obj.status ~= nil and obj.status.pauseConditions ~= nil
  and table.getn(obj.status.pauseConditions) > 0
if obj.spec.paused == true then
  obj.spec.paused = false
end
if paused then
  obj.status.pauseConditions = nil
elseif obj.status ~= nil and obj.spec.strategy.canary ~= nil and obj.spec.strategy.canary.steps ~= nil then
  local index = obj.status.currentStepIndex or 0
  if index < table.getn(obj.spec.strategy.canary.steps) then
    obj.status.currentStepIndex = index + 1
  end
end
return obj
