-- Argo CD health check for bench.dev BenchmarkSuite (bench-operator), installed as
-- resource.customizations.health.bench.dev_BenchmarkSuite: see docs/gitops.md. Runs in Argo CD's
-- Lua 5.1 sandbox: base and table libraries only, `obj` is the live object.

-- BEGIN kstatus (the same in the three checks: test/unit/argocd-health.test.ts keeps them equal)
local function condition(conditionType)
  for _, c in ipairs(obj.status.conditions or {}) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

-- What a condition says: its message, or its reason when it has none.
local function describe(c)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return c.reason or c.type
end

-- The kstatus order: an object the operator has not seen yet or not since its last change is
-- Progressing, Stalled=True is Degraded; then what kindHealth(ready) says about the kind (a status
-- and message, or nil); then Reconciling=True is Progressing and Ready=True Healthy.
local function health(kindHealth)
  local hs = {}
  local ready = nil
  if obj.status ~= nil then
    ready = condition("Ready")
  end
  if ready == nil then
    hs.status = "Progressing"
    hs.message = "Waiting for the operator"
    return hs
  end
  local generation = obj.metadata.generation
  local observed = obj.status.observedGeneration
  if generation ~= nil and (observed == nil or observed < generation) then
    hs.status = "Progressing"
    hs.message = "Waiting for the operator to observe generation " .. generation
    return hs
  end
  local stalled = condition("Stalled")
  if isTrue(stalled) then
    hs.status = "Degraded"
    hs.message = describe(stalled)
    return hs
  end
  hs.status, hs.message = kindHealth(ready)
  if hs.status ~= nil then
    return hs
  end
  local reconciling = condition("Reconciling")
  if isTrue(reconciling) then
    hs.status = "Progressing"
    hs.message = describe(reconciling)
  elseif isTrue(ready) then
    hs.status = "Healthy"
    hs.message = describe(ready)
  else
    hs.status = "Progressing"
    hs.message = describe(ready)
  end
  return hs
end
-- END kstatus

-- The first run of the round that failed, for the message: the admin sees which one and why.
local function firstFailedRun()
  for _, run in ipairs(obj.status.runs or {}) do
    if run.state == "Failed" then
      return run
    end
  end
  return nil
end

local hs = health(function(ready)
  local phase = obj.status.phase
  -- Suspended: no run starts. Runs still running finish first (phase Running, Progressing).
  if phase == "Suspended" then
    return "Suspended", describe(ready)
  end
  if obj.spec ~= nil and obj.spec.suspend == true and phase ~= "Running" then
    return "Suspended", "the suite is suspended; " .. describe(ready)
  end
  -- A regression gate failed on the finished round (docs/results.md): a promotion must stop.
  if ready.reason == "GateFailed" then
    return "Degraded", describe(ready)
  end
  -- A round that finished with failed (or blocked) runs is Ready for kstatus, Degraded here.
  if phase == "Failed" then
    local message = describe(ready)
    local run = firstFailedRun()
    if run ~= nil then
      message = message .. "; run " .. run.name .. ": " .. (run.message or run.reason or "failed")
    end
    return "Degraded", message
  end
  return nil
end)
return hs
