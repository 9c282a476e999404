-- First step of erasing a user, atomic: removes their events (stream entry, body, id; the id's
-- digest is kept so a retry stays out), preferences and user-item features, and records what the
-- item counters must be corrected from (the counters of the items they touched as they are now,
-- and the last stream entry the correction replays up to). Events appended after this are kept.
-- KEYS[1] stream, KEYS[2] bodies hash, KEYS[3] event id set, KEYS[4] erased digests,
-- KEYS[5] the user's event list, KEYS[6] preferences, KEYS[7] user id set, KEYS[8] user features,
-- KEYS[9] item features, KEYS[10] erasures in progress.
-- ARGV[1] user id, ARGV[2] token of this erasure.
-- Erasures run one at a time (two corrections of one item must not overlap): returns
-- { 'pending' } while an erasure has not finished (finish it first), else
-- { 'ok', events erased, had preferences (0|1), user-item features removed }.
local user = ARGV[1]
if redis.call('HLEN', KEYS[10]) > 0 then return { 'pending' } end

local erased = 0
for _, entry in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
  local json = redis.call('HGET', KEYS[2], entry)
  if json then
    local ok, event = pcall(cjson.decode, json)
    if ok and type(event) == 'table' and type(event.event_id) == 'string' then
      redis.call('SREM', KEYS[3], event.event_id)
      redis.call('SADD', KEYS[4], redis.sha1hex(event.event_id))
    end
    redis.call('HDEL', KEYS[2], entry)
    erased = erased + 1
  end
  redis.call('XDEL', KEYS[1], entry)
end
redis.call('DEL', KEYS[5])
local preferences = redis.call('DEL', KEYS[6])
redis.call('SREM', KEYS[7], user)

local items = redis.call('HKEYS', KEYS[8])
redis.call('DEL', KEYS[8])
if #items > 0 then
  local before = {}
  for _, item in ipairs(items) do
    before[#before + 1] = item
    before[#before + 1] = redis.call('HGET', KEYS[9], item) or ''
  end
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  local lastId = last[1] and last[1][1] or '0-0'
  redis.call('HSET', KEYS[10], user, cjson.encode({ token = ARGV[2], last = lastId, before = before }))
end
return { 'ok', erased, preferences, #items }
