-- Token quotas: reserve ARGV[1] tokens in every window key, or none.
-- KEYS: the windows (a minute, a day); ARGV: tokens, then per key its limit and its time to live in ms.
-- Returns 0 when reserved, else the 1-based index of the window that is full.
local n = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', k) or '0')
  if used + n > tonumber(ARGV[2 * i]) then
    return i
  end
end
for i, k in ipairs(KEYS) do
  redis.call('INCRBY', k, n)
  redis.call('PEXPIRE', k, tonumber(ARGV[2 * i + 1]))
end
return 0
