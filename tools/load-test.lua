-- wrk's side of tools/load-test.sh: one request per call, movies drawn at random (a fixed seed per
-- thread) from the ids in $N2V_LOAD_IDS; $N2V_LOAD_MODE is "similar" (GET /v1/similar?id=N&k=10)
-- or "recommend" (POST /v1/recommend with 20 liked movies). done() prints one RESULT line:
-- req/s, p50, p99, p99.9 latency (ms), errors (connect, read, write, timeout, non-2xx), requests.
local ids = {}
for line in io.lines(os.getenv("N2V_LOAD_IDS")) do ids[#ids + 1] = line end
local mode = os.getenv("N2V_LOAD_MODE")
math.randomseed(42)

request = function()
  if mode == "similar" then
    return wrk.format("GET", "/v1/similar?id=" .. ids[math.random(#ids)] .. "&k=10")
  end
  local liked = {}
  for i = 1, 20 do liked[i] = ids[math.random(#ids)] end
  return wrk.format("POST", "/v1/recommend", { ["Content-Type"] = "application/json" },
                    '{"k":10,"liked":[' .. table.concat(liked, ",") .. "]}")
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.3f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000,
                         latency:percentile(99.9) / 1000, e.connect + e.read + e.write + e.timeout + e.status,
                         summary.requests))
end
