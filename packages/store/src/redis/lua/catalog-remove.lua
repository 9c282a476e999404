-- Marks an item unavailable. Returns 0 when the item does not exist, 1 otherwise (also when it
-- was unavailable already, which changes nothing).
-- KEYS[1] items hash, KEYS[2] removed hash. ARGV[1] item_id, ARGV[2] removal time (ISO-8601).
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 1 end
local ok, item = pcall(cjson.decode, json)
if ok and type(item) == 'table' and item.available == false then return 1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
