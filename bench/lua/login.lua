-- Log in continuously: POST /api/auth/login with BENCH_USERNAME and BENCH_PASSWORD (no JSON
-- escaping is done: the bench uses plain ASCII credentials). Each login costs one bcrypt check.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local prepared

function init(_)
  local body = string.format('{"username": "%s", "password": "%s"}',
    os.getenv("BENCH_USERNAME"), os.getenv("BENCH_PASSWORD"))
  prepared = wrk.format("POST", "/api/auth/login", {["Content-Type"] = "application/json"}, body)
end

function request()
  return prepared
end
