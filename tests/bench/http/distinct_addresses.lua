-- wrk script: every request carries an X-Forwarded-For address no other request used, so the
-- rate limiter (one request per address per second) is on but never refuses.
local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

local sent = 0
function request()
  sent = sent + 1
  local n = sent * 16 + (thread_index or 0)
  local address = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = address })
end
