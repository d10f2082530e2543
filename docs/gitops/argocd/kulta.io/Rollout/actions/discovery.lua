-- The actions Argo CD offers on a kulta.io/Rollout, enabled as `kulta` (and `kubectl argo
-- rollouts`) would act: promote and abort only while a new revision rolls out, retry only after
-- an abort, restart always.
local actions = {}
local status = obj.status or {}
-- Without a status KULTA has not reconciled the rollout yet: nothing is rolling out.
local fullyPromoted = status.currentPodHash == nil or status.currentPodHash == status.stableRS
local aborted = status.abort == true or status.abortedAt ~= nil
local paused = obj.spec.paused == true
  or (status.pauseConditions ~= nil and table.getn(status.pauseConditions) > 0)
local steps = 0
if obj.spec.strategy.canary ~= nil and obj.spec.strategy.canary.steps ~= nil then
  steps = table.getn(obj.spec.strategy.canary.steps)
end
local stepsLeft = (status.currentStepIndex or 0) < steps

actions["promote"] = {
  ["disabled"] = not paused and (fullyPromoted or aborted or not stepsLeft),
  ["displayName"] = "Promote (end the pause or skip the step)",
  ["iconClass"] = "fa fa-fw fa-forward",
}
actions["promote-full"] = {
  ["disabled"] = fullyPromoted,
  ["displayName"] = "Promote fully (skip every step left)",
  ["iconClass"] = "fa fa-fw fa-fast-forward",
}
actions["abort"] = {
  ["disabled"] = fullyPromoted or aborted,
  ["displayName"] = "Abort (traffic back to stable)",
  ["iconClass"] = "fa fa-fw fa-times-circle",
}
actions["retry"] = {
  ["disabled"] = not aborted,
  ["displayName"] = "Retry the aborted rollout",
  ["iconClass"] = "fa fa-fw fa-redo-alt",
}
actions["restart"] = {
  ["disabled"] = false,
  ["displayName"] = "Restart pods",
  ["iconClass"] = "fa fa-fw fa-sync-alt",
}
return actions
