-- Appends the events whose id is new and folds those into the user-item and item features, in one
-- atomic step: an acknowledged event is always in the features too, so a client's retry (a
-- duplicate) never leaves the features short. The append is events-append.lua's and the fold is
-- features-record.lua's, with the same arithmetic (kept in step by redis-ingest.test.ts).
-- KEYS[1] event id set, KEYS[2] event stream, KEYS[3] bodies hash, KEYS[4] user id set,
-- KEYS[5] erased id digests, KEYS[6] item feature hash,
-- KEYS[5 + 2i] the user event list of event i, KEYS[6 + 2i] the user feature hash of event i.
-- ARGV[1] trending half-life (ms), ARGV[2] positive epsilon, then per event i: event_id, user_id,
-- event JSON, item_id ('' when the event carries no feature signal), preference, consumed (0|1),
-- event time (epoch ms).
-- Returns { accepted ids, duplicate ids }.
local halfLife, epsilon = tonumber(ARGV[1]), tonumber(ARGV[2])

local function num(x)
  return string.format('%.17g', x)
end

local function fields(raw)
  local a, b, c, d = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
  return tonumber(a), tonumber(b), tonumber(c), tonumber(d)
end

local function fold(userKey, user, item, preference, consumed, at)
  local sum, events, wasConsumed, lastAt = 0, 0, 0, at
  local raw = redis.call('HGET', userKey, item)
  if raw then sum, events, wasConsumed, lastAt = fields(raw) end
  local wasPositive = sum > epsilon
  sum = sum + preference
  events = events + 1
  if consumed then wasConsumed = 1 end
  if at > lastAt then lastAt = at end
  local isPositive = sum > epsilon
  redis.call('HSET', userKey, item, num(sum) .. ' ' .. num(events) .. ' ' .. num(wasConsumed) .. ' ' .. num(lastAt))
  redis.call('SADD', KEYS[4], user)

  local users, weight, trending, trendingAt = 0, 0, 0, at
  local rawItem = redis.call('HGET', KEYS[6], item)
  if rawItem then users, weight, trending, trendingAt = fields(rawItem) end
  if wasPositive ~= isPositive then
    if isPositive then users = users + 1 else users = users - 1 end
  end
  if preference > 0 then
    weight = weight + preference
    -- An event older than trending_at is added already decayed; a newer one moves trending_at.
    if at >= trendingAt then
      trending = trending * math.pow(2, -(at - trendingAt) / halfLife) + preference
      trendingAt = at
    else
      trending = trending + preference * math.pow(2, -(trendingAt - at) / halfLife)
    end
  end
  redis.call('HSET', KEYS[6], item, num(users) .. ' ' .. num(weight) .. ' ' .. num(trending) .. ' ' .. num(trendingAt))
end

local accepted, duplicates = {}, {}
local anyErased = redis.call('SCARD', KEYS[5]) > 0
for i = 1, (#KEYS - 6) / 2 do
  local base = 2 + (i - 1) * 7
  local id, user, json, item = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  local erased = anyErased and redis.call('SISMEMBER', KEYS[5], redis.sha1hex(id)) == 1
  if not erased and redis.call('SADD', KEYS[1], id) == 1 then
    local entry = redis.call('XADD', KEYS[2], '*', 'v', '1')
    redis.call('HSET', KEYS[3], entry, json)
    redis.call('RPUSH', KEYS[5 + 2 * i], entry)
    redis.call('SADD', KEYS[4], user)
    if item ~= '' then
      fold(KEYS[6 + 2 * i], user, item, tonumber(ARGV[base + 5]), ARGV[base + 6] == '1', tonumber(ARGV[base + 7]))
    end
    accepted[#accepted + 1] = id
  else
    duplicates[#duplicates + 1] = id
  end
end
return { accepted, duplicates }
