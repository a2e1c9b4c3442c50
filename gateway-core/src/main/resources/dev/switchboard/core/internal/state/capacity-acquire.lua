-- Takes a slot of a backend's capacity shared by every sidecar: a sorted set of leases scored by expiry.
-- KEYS[1] the backend's leases   ARGV: now, lease ms, id, capacity
-- Returns {granted, in flight}.
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[4]) then
  return {0, n}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return {1, n + 1}
