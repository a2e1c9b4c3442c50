-- A tenant's figures, after giving back expired reservations (as budget-reserve.lua does).
-- KEYS as budget-reserve.lua; ARGV: now. Returns {spentDay, reservedDay, spentMonth, reservedMonth}.
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
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[1]))) do giveBack(id) end
return {tonumber(redis.call('HGET', KEYS[1], 'spent') or '0'), tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0'),
  tonumber(redis.call('HGET', KEYS[2], 'spent') or '0'), tonumber(redis.call('HGET', KEYS[2], 'reserved') or '0')}
