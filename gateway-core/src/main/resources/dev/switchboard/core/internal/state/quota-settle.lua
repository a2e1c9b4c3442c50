-- Settles a quota reservation: adds ARGV[1] (negative to give tokens back) to each window that still exists.
-- A window that ended and expired stays gone (a long stream settling after its minute must not recreate it).
local delta = tonumber(ARGV[1])
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('INCRBY', k, delta)
  end
end
return 0
