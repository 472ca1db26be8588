-- One scenario of bench/load.py for wrk: the requests come from the file named by BENCH_REQUESTS, one a line
-- (method, path, session cookie, form body, question number; tab-separated), shared out among wrk's threads
-- and sent round-robin, each with its signed-in person's cookies.
-- Autosaves carry Django's CSRF token in the header htmx sends, and the version their answer has now:
-- each saved (or refused) answer's response names its new version, which the next save of it sends.
-- done() prints one line bench/load.py reads: requests, seconds, latency percentiles in ms, non-2xx responses.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   local thread_count = tonumber(os.getenv("BENCH_WRK_THREADS"))
   local csrf = os.getenv("BENCH_CSRF")
   local all = {}
   for line in io.lines(os.getenv("BENCH_REQUESTS")) do
      local method, path, cookie, body, number = line:match("^(%u+)\t([^\t]+)\t([^\t]*)\t([^\t]*)\t(%d*)$")
      local headers = {Cookie = cookie}
      if method == "POST" then
         headers["X-CSRFToken"] = csrf
         headers["HX-Request"] = "true"
         headers["Content-Type"] = "application/x-www-form-urlencoded"
         tracks_versions = true
      end
      table.insert(all, {method = method, path = path, headers = headers, body = body, number = number})
   end
   -- Each thread its own share (so no two threads save the same answer); a single page, every thread.
   lines, versions, pending, position, saves, non2xx = {}, {}, {}, 0, 0, 0
   for n, line in ipairs(all) do
      if #all < thread_count or (n - 1) % thread_count == id - 1 then
         table.insert(lines, line)
      end
   end
end

function request()
   position = position % #lines + 1
   local line = lines[position]
   -- An answer whose save is still under way waits its turn: one person saves one question at a time.
   for _ = 1, #lines do
      if not pending[line.number] then break end
      position = position % #lines + 1
      line = lines[position]
   end
   local body = nil
   if line.method == "POST" then
      pending[line.number] = true
      saves = saves + 1
      -- A real change each time: the choice flips and the evidence names the save.
      body = line.body:gsub("{choice}", saves % 2 == 0 and "yes" or "no"):gsub("{save}", tostring(saves))
      if versions[line.number] then
         body = body:gsub("version=%d+", "version=" .. versions[line.number])
      end
   end
   return wrk.format(line.method, line.path, line.headers, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
   if tracks_versions and body then
      for number, version in body:gmatch('id="q%-(%d+)%-version" value="(%d+)"') do
         versions[number] = version
         pending[number] = nil
      end
   end
end

function done(summary, latency, requests)
   local refused = 0
   for _, thread in ipairs(threads) do
      refused = refused + thread:get("non2xx")
   end
   local errors = summary.errors
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f p50=%.2f p95=%.2f p99=%.2f non2xx=%d socket_errors=%d\n",
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, refused, errors.connect + errors.read + errors.write + errors.timeout
   ))
end
