-- wrk script for ocula_bench_http's upload test: POST one JPEG to /v1/images
-- on every request (keep-alive connections).
-- Usage: wrk ... -s upload.lua URL -- JPEG_FILE API_KEY
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.path = "/v1/images"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "image/jpeg"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end
