-- Runs one Argo CD health check the way Argo CD runs it (util/lua in argo-cd: gopher-lua, Lua 5.1),
-- for test/support/argocd-health.ts. Standard input is a Lua table literal {script = ..., obj = ...}.
-- Argo CD opens only the base, table, package and a safe os library (time, date) for health
-- checks, so the check runs in an environment with just those: a check calling string.*, math.*,
-- io.* or a string method fails here as it would in Argo CD.
-- Prints the health status on the first line and the message after it; exits 1 on any error.
local write, stderr, exit = io.write, io.stderr, os.exit

local input = assert(loadstring("return " .. io.read("*a"), "=input"))()

local sandbox = { obj = input.obj, table = table, os = { time = os.time, date = os.date } }
for _, name in ipairs({
  "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
  "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall",
  "_VERSION",
}) do
  sandbox[name] = _G[name]
end
sandbox._G = sandbox
-- Without Argo CD's string library, strings have no methods ("x"):upper().
getmetatable("").__index = nil

local check, loadError = loadstring(input.script, "=health.lua")
if check == nil then
  stderr:write(loadError, "\n")
  exit(1)
end
setfenv(check, sandbox)
local ok, hs = pcall(check)
if not ok then
  stderr:write(tostring(hs), "\n")
  exit(1)
end

local valid = { Healthy = true, Progressing = true, Degraded = true, Suspended = true, Missing = true, Unknown = true }
if type(hs) ~= "table" or not valid[hs.status] then
  stderr:write("the check returned no valid health status (Argo CD shows Unknown): ", tostring(type(hs) == "table" and hs.status or hs), "\n")
  exit(1)
end
if hs.message ~= nil and type(hs.message) ~= "string" then
  stderr:write("the check returned a message that is not a string: ", type(hs.message), "\n")
  exit(1)
end
write(hs.status, "\n", hs.message or "")
