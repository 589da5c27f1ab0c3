-- wrk script for ocula_bench_http's read test: GET /v1/images/{id} for ids
-- drawn at random from a file of ids (one per line).
-- Usage: wrk ... -s get_by_id.lua URL -- IDS_FILE API_KEY
local ids = {}

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", "/v1/images/" .. ids[math.random(#ids)])
end
