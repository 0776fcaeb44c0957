-- POST JSON bodies with a bearer token.
-- Env: BENCH_PATH (e.g. /api/transfer/sign), BENCH_TOKEN (optional), BENCH_BODIES (a file with
-- one JSON body per line; requests take them in turn, e.g. to rotate over several wallets).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local prepared = {}
local count = 0

function init(_)
  local headers = {["Content-Type"] = "application/json"}
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  local path = os.getenv("BENCH_PATH")
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if line ~= "" then
      prepared[#prepared + 1] = wrk.format("POST", path, headers, line)
    end
  end
end

function request()
  count = count + 1
  return prepared[(count - 1) % #prepared + 1]
end
