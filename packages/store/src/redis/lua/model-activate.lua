-- Points the active version at an existing version and announces it. Returns 0 when the version
-- does not exist (nothing changes), 1 otherwise.
-- KEYS[1] models hash, KEYS[2] active version. ARGV[1] version, ARGV[2] pub/sub channel.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1
