-- Argo CD health of a kulta.io/Rollout. KULTA derives status.phase and status.message itself
-- (Healthy, Progressing, Paused, Degraded), so this reads them, once KULTA has seen the current
-- spec: until status.observedGeneration equals metadata.generation the phase is about an older one.
local hs = {}
if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for KULTA to reconcile the rollout"
  return hs
end
-- KULTA writes an integer; Argo Rollouts and earlier KULTA wrote a string: tonumber reads both.
local observed = tonumber(obj.status.observedGeneration)
if observed == nil or observed ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for KULTA to observe generation " .. tostring(obj.metadata.generation)
  return hs
end
hs.message = obj.status.message or ""
local phase = obj.status.phase
if phase == "Healthy" or phase == "Degraded" then
  hs.status = phase
elseif phase == "Paused" then
  -- A timed pause ends by itself: that is progress. A pause until promoted (or spec.paused)
  -- waits for a person: Argo CD's Suspended, as it shows Argo Rollouts' pauses.
  local timed = obj.status.pauseEndsAt ~= nil and obj.spec.paused ~= true
  hs.status = timed and "Progressing" or "Suspended"
else
  hs.status = "Progressing"
end
return hs
