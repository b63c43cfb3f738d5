-- wrk script for benchmarks/web.py: counts the responses whose status is not 2xx (wrk's own
-- summary counts only 4xx/5xx, so a 302 to the sign-in page would pass unseen), and prints the
-- p95 latency, which `wrk --latency` does not show (50/75/90/99 only).
--
--   wrk -t2 -c8 -d10s -s benchmarks/wrk_report.lua -H "Cookie: session=..." http://127.0.0.1:8000/
--
-- The last lines of the output are machine-readable, one `WRK_<NAME> <value>` a line.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- Globals of each thread's own Lua state, read back in done() with thread:get().
  non2xx = 0
  first_bad = ""
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then
      first_bad = tostring(status)
      local location = headers["Location"] or headers["location"]
      if location then
        first_bad = first_bad .. " -> " .. location
      end
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    local seen = thread:get("first_bad")
    if first == "" and seen and seen ~= "" then
      first = seen
    end
  end
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("WRK_REQUESTS %d\n", summary.requests))
  io.write(string.format("WRK_SECONDS %.6f\n", seconds))
  io.write(string.format("WRK_RPS %.2f\n", summary.requests / seconds))
  io.write(string.format("WRK_P50_MS %.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("WRK_P95_MS %.3f\n", latency:percentile(95) / 1000))
  io.write(string.format("WRK_P99_MS %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("WRK_MAX_MS %.3f\n", latency.max / 1000))
  io.write(string.format("WRK_NON2XX %d\n", bad))
  io.write(string.format("WRK_FIRST_NON2XX %s\n", first == "" and "-" or first))
  io.write(string.format(
    "WRK_SOCKET_ERRORS %d\n",
    errors.connect + errors.read + errors.write + errors.timeout
  ))
end
