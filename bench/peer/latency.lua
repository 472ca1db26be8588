-- wrk script for bench/peer_pretalx.sh: sends the signed-in session cookie (BENCH_COOKIE), counts every
-- answer that is not 200 (a sign-in redirect counts: wrk alone only counts 4xx/5xx as errors), and prints
-- one RESULT line with the latency percentiles in milliseconds.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   not_200 = 0
end

function response(status, headers, body)
   if status ~= 200 then
      not_200 = not_200 + 1
   end
end

function done(summary, latency, requests)
   local wrong = 0
   for _, thread in ipairs(threads) do
      wrong = wrong + thread:get("not_200")
   end
   local errors = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f not_200=%d socket_errors=%d\n",
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, wrong, errors.connect + errors.read + errors.write + errors.timeout))
end
