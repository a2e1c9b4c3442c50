-- Reserves a call's worst-case cost against a tenant's daily and monthly limits, atomically.
-- KEYS[1] the day's hash {spent, reserved}   KEYS[2] the month's hash
-- KEYS[3] the tenant's leases (zset: id -> expiry in ms; its name ends in "leases")
-- KEYS[4] what each lease holds (hash: id -> "micros|day|month")
-- ARGV: now, lease ms, micros, day limit (-1: none), month limit (-1: none), unlimited (1/0), id, day ttl s,
--       month ttl s, day, month
-- Returns {granted, spentDay, reservedDay, spentMonth, reservedMonth}, amounts in millionths.
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
local now = tonumber(ARGV[1])
-- Reservations whose sidecar stopped renewing them are given back first.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do giveBack(id) end
local micros = tonumber(ARGV[3])
local sd = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local rd = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local sm = tonumber(redis.call('HGET', KEYS[2], 'spent') or '0')
local rm = tonumber(redis.call('HGET', KEYS[2], 'reserved') or '0')
local dl = tonumber(ARGV[4])
local ml = tonumber(ARGV[5])
if ARGV[6] == '0' and ((dl >= 0 and sd + rd + micros > dl) or (ml >= 0 and sm + rm + micros > ml)) then
  return {0, sd, rd, sm, rm}
end
redis.call('HINCRBY', KEYS[1], 'reserved', micros)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[8]))
redis.call('HINCRBY', KEYS[2], 'reserved', micros)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[9]))
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[7])
redis.call('HSET', KEYS[4], ARGV[7], ARGV[3] .. '|' .. ARGV[10] .. '|' .. ARGV[11])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[9]) * 1000)
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[9]) * 1000)
return {1, sd, rd + micros, sm, rm + micros}
