-- Pushes back the expiry of leases this sidecar still holds; a lease already given back is not revived.
-- KEYS[1] a lease set   ARGV: new expiry, key ttl ms (0: leave it), id...   Returns how many are still held.
local n = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
    n = n + 1
  end
end
if n > 0 and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return n
