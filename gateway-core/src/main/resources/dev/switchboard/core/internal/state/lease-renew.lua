-- Pushes back the expiry of leases this sidecar still holds.
-- KEYS[1] a lease set   ARGV: new expiry, key ttl ms (0: leave it), restore (1/0), id...
-- With restore (capacity slots), a lease Redis no longer has — it restarted without its data — is written again:
-- the call it stands for is still running. Without it (budget reservations, whose amounts went with the restart)
-- only leases still there are renewed. Returns how many are held.
local n = 0
for i = 4, #ARGV do
  if ARGV[3] == '1' or redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    n = n + 1
  end
end
if n > 0 and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return n
