-- Replaces a reservation with the call's actual cost, atomically.
-- KEYS[1] today's hash   KEYS[2] this month's hash   KEYS[3] the tenant's leases   KEYS[4] what each lease holds
-- ARGV: id, actual micros, day ttl s, month ttl s, only-if-held (1/0)
-- The first attempt always counts the cost, even when the lease already ran out and was given back (the call did
-- happen). A retry (after a reply was lost) sets only-if-held: it counts the cost only while the reservation is
-- still there, so a settlement that landed the first time is never counted twice.
-- Returns {spentDay, reservedDay, spentMonth, reservedMonth}.
local base = string.sub(KEYS[3], 1, #KEYS[3] - 6)
local function giveBack(id)
  local info = redis.call('HGET', KEYS[4], id)
  if info then
    local micros, day, month = string.match(info, '^(%d+)|([^|]*)|(.*)$')
    local dk = base .. 'day:' .. day
    local mk = base .. 'month:' .. month
    if redis.call('EXISTS', dk) == 1 then redis.call('HINCRBY', dk, 'reserved', -tonumber(micros)) end
    if redis.call('EXISTS', mk) == 1 then redis.call('HINCRBY', mk, 'reserved', -tonumber(micros)) end
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREM', KEYS[3], id)
  return info
end
local held = giveBack(ARGV[1])
local actual = tonumber(ARGV[2])
if held or ARGV[5] ~= '1' then
  redis.call('HINCRBY', KEYS[1], 'spent', actual)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
  redis.call('HINCRBY', KEYS[2], 'spent', actual)
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
end
return {tonumber(redis.call('HGET', KEYS[1], 'spent') or '0'), tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0'),
  tonumber(redis.call('HGET', KEYS[2], 'spent') or '0'), tonumber(redis.call('HGET', KEYS[2], 'reserved') or '0')}
