-- Stores whole items; a new item gets the next insertion sequence, an upsert clears a removal.
-- KEYS[1] items hash, KEYS[2] order zset, KEYS[3] sequence counter, KEYS[4] removed hash.
-- ARGV: item_id, item JSON, item_id, item JSON, ...
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), id)
  end
  redis.call('HSET', KEYS[1], id, ARGV[i + 1])
  redis.call('HDEL', KEYS[4], id)
end
return #ARGV / 2
