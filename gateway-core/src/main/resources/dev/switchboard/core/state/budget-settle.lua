-- Replaces a reservation with the call's actual cost, atomically. A reservation whose lease already expired was
-- given back by then; its cost is still counted.
-- KEYS[1] today's hash   KEYS[2] this month's hash   KEYS[3] the tenant's leases   KEYS[4] what each lease holds
-- ARGV: id, actual micros, day ttl s, month ttl s
-- Returns {spentDay, reservedDay, spentMonth, reservedMonth}.
local info = redis.call('HGET', KEYS[4], ARGV[1])
if info then
  local micros, dk, mk = string.match(info, '^(%d+)|([^|]*)|(.*)$')
  if redis.call('EXISTS', dk) == 1 then redis.call('HINCRBY', dk, 'reserved', -tonumber(micros)) end
  if redis.call('EXISTS', mk) == 1 then redis.call('HINCRBY', mk, 'reserved', -tonumber(micros)) end
  redis.call('HDEL', KEYS[4], ARGV[1])
end
redis.call('ZREM', KEYS[3], ARGV[1])
local actual = tonumber(ARGV[2])
local sd = redis.call('HINCRBY', KEYS[1], 'spent', actual)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
local sm = redis.call('HINCRBY', KEYS[2], 'spent', actual)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return {sd, tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0'), sm,
  tonumber(redis.call('HGET', KEYS[2], 'reserved') or '0')}
