-- A tenant's budget, atomically: every operation gives back expired reservations first, so a sidecar that died
-- holding some does not hold them for ever.
-- KEYS[1] the day's hash {spent, reserved}   KEYS[2] the month's hash   (amounts in millionths)
-- KEYS[3] the tenant's leases (zset: id -> expiry in ms; its name ends in "leases")
-- KEYS[4] what each lease holds (hash: id -> "micros|day|month|week"; leases of an older version lack the week)
-- KEYS[5] the week's hash (the week named by its Monday)
-- ARGV[1] the operation, then its arguments:
--   reserve  now, lease ms, micros, day limit (-1: none), month limit (-1: none), unlimited (1/0), id,
--            day ttl s, month ttl s, day, month, week limit (-1: none), week ttl s, week
--                       -> {granted, spentDay, reservedDay, spentMonth, reservedMonth, spentWeek, reservedWeek}
--   settle   now, id, actual micros, day ttl s, month ttl s, only-if-held (1/0), week ttl s
--                       -> {spentDay, reservedDay, spentMonth, reservedMonth, spentWeek, reservedWeek}
--   read     now        -> {spentDay, reservedDay, spentMonth, reservedMonth, spentWeek, reservedWeek}
-- A settlement's first attempt always counts the cost, even when the lease already ran out and was given back (the
-- call did happen). A retry (after a reply was lost) sets only-if-held: it counts the cost only while the
-- reservation is still there, so a settlement that landed the first time is never counted twice.
local base = string.sub(KEYS[3], 1, #KEYS[3] - 6)
local function giveBack(id)
  local info = redis.call('HGET', KEYS[4], id)
  if info then
    local micros, day, month, week = string.match(info, '^(%d+)|([^|]*)|([^|]*)|?(.*)$')
    local dk = base .. 'day:' .. day
    local mk = base .. 'month:' .. month
    if redis.call('EXISTS', dk) == 1 then redis.call('HINCRBY', dk, 'reserved', -tonumber(micros)) end
    if redis.call('EXISTS', mk) == 1 then redis.call('HINCRBY', mk, 'reserved', -tonumber(micros)) end
    if week ~= '' then
      local wk = base .. 'week:' .. week
      if redis.call('EXISTS', wk) == 1 then redis.call('HINCRBY', wk, 'reserved', -tonumber(micros)) end
    end
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREM', KEYS[3], id)
  return info
end
local function figure(key, field)
  if not key then return 0 end -- no week key: a caller of the day-and-month layout
  return tonumber(redis.call('HGET', key, field) or '0')
end
local function figures()
  return {figure(KEYS[1], 'spent'), figure(KEYS[1], 'reserved'), figure(KEYS[2], 'spent'), figure(KEYS[2], 'reserved'),
          figure(KEYS[5], 'spent'), figure(KEYS[5], 'reserved')}
end

local op = ARGV[1]
local now = tonumber(ARGV[2])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do giveBack(id) end

if op == 'read' then
  return figures()
end

if op == 'settle' then
  local held = giveBack(ARGV[3])
  if held or ARGV[7] ~= '1' then
    local actual = tonumber(ARGV[4])
    redis.call('HINCRBY', KEYS[1], 'spent', actual)
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
    redis.call('HINCRBY', KEYS[2], 'spent', actual)
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
    if KEYS[5] then
      redis.call('HINCRBY', KEYS[5], 'spent', actual)
      redis.call('EXPIRE', KEYS[5], tonumber(ARGV[8]))
    end
  end
  return figures()
end

-- reserve
local micros = tonumber(ARGV[4])
local f = figures()
local dl = tonumber(ARGV[5])
local ml = tonumber(ARGV[6])
local wl = tonumber(ARGV[13] or '-1')
if ARGV[7] == '0' and ((dl >= 0 and f[1] + f[2] + micros > dl) or (ml >= 0 and f[3] + f[4] + micros > ml)
    or (wl >= 0 and f[5] + f[6] + micros > wl)) then
  return {0, f[1], f[2], f[3], f[4], f[5], f[6]}
end
redis.call('HINCRBY', KEYS[1], 'reserved', micros)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[9]))
redis.call('HINCRBY', KEYS[2], 'reserved', micros)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[10]))
if KEYS[5] then
  redis.call('HINCRBY', KEYS[5], 'reserved', micros)
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[14]))
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[8])
redis.call('HSET', KEYS[4], ARGV[8], ARGV[4] .. '|' .. ARGV[11] .. '|' .. ARGV[12] .. '|' .. (ARGV[15] or ''))
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[10]) * 1000)
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[10]) * 1000)
return {1, f[1], f[2] + micros, f[3], f[4] + micros, f[5], f[6] + (KEYS[5] and micros or 0)}
