-- Commits a model version whose artifacts were written under a temporary key: refuses an
-- existing version (dropping the temporary artifacts), else moves the artifacts into place and
-- records the version, atomically. Returns 1 when committed, 0 when the version exists.
-- KEYS[1] models hash, KEYS[2] temporary artifacts hash, KEYS[3] artifacts hash.
-- ARGV[1] version, ARGV[2] stored record JSON.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[2])
  return 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], KEYS[3])
  redis.call('PERSIST', KEYS[3])
else
  redis.call('DEL', KEYS[3])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
