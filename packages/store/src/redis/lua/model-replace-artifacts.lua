-- Replaces artifacts of a stored model version and its manifest together, as a compare-and-set:
-- nothing is written unless the version's record is still the one the caller read.
-- KEYS[1] models hash, KEYS[2] the version's artifacts hash.
-- ARGV[1] version, ARGV[2] record JSON as read, ARGV[3] new record JSON, then name, bytes, ...
-- Returns 1 when replaced, 0 when the record changed meanwhile (read again and retry).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
