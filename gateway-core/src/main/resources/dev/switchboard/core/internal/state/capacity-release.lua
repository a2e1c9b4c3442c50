-- Gives a slot back. KEYS[1] the backend's leases   ARGV: id. Returns the calls in flight left.
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZCARD', KEYS[1])
