-- One wrk script for every endpoint, configured through the environment:
--   BENCH_METHOD     GET (default) or POST
--   BENCH_BODY_FILE  a file whose bytes are sent as the JSON body
--   BENCH_TOKEN      an access token, sent as "Authorization: Bearer ..."
--   BENCH_COOKIE     a Cookie header (the web app's session)
--   BENCH_STATUSES   "1": count the responses by status, and the 503s that carry
--                    Retry-After (wrk then hands every response to Lua: a little slower)
-- done() prints one line "BENCH_JSON {...}" that bench/run.py parses, so nothing
-- depends on the layout of wrk's human-readable summary.

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local handle = assert(io.open(body_file, "rb"))
  wrk.body = handle:read("*a")
  handle:close()
  wrk.headers["Content-Type"] = "application/json"
end

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

-- Each wrk thread runs its own copy of this script; done() reads their counters
-- through the thread objects setup() kept.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("BENCH_STATUSES") == "1" then
  statuses = {}
  retry_after_503 = 0

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 503 and (headers["Retry-After"] or headers["retry-after"]) then
      retry_after_503 = retry_after_503 + 1
    end
  end
end

local function counted_statuses()
  local total, retry_after = {}, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if counts then
      for status, n in pairs(counts) do
        total[status] = (total[status] or 0) + n
      end
    end
    retry_after = retry_after + (thread:get("retry_after_503") or 0)
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  return "{" .. table.concat(parts, ",") .. "}", retry_after
end

function done(summary, latency, requests)
  local errors = summary.errors
  local statuses_json, retry_after = counted_statuses()
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":%s,"retry_after_503":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    statuses_json, retry_after,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
