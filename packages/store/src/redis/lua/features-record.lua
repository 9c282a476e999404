-- Folds a batch of already-deduplicated event signals into user-item and item features,
-- atomically. The same arithmetic as the embedded feature store; numbers are written with 17
-- significant digits so they read back as the same doubles.
-- KEYS[1] item feature hash, KEYS[2] set of user ids, KEYS[2 + i] the user feature hash of signal i.
-- ARGV[1] trending half-life (ms), ARGV[2] positive epsilon,
-- then per signal i: user_id, item_id, preference, consumed (0|1), event time (epoch ms).
-- User feature value: "preference events consumed last_at".
-- Item feature value: "positive_users positive_weight trending trending_at".
local halfLife, epsilon = tonumber(ARGV[1]), tonumber(ARGV[2])

local function num(x)
  return string.format('%.17g', x)
end

local function fields(raw)
  local a, b, c, d = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
  return tonumber(a), tonumber(b), tonumber(c), tonumber(d)
end

for i = 1, #KEYS - 2 do
  local base = 3 + (i - 1) * 5
  local item = ARGV[base + 1]
  local preference = tonumber(ARGV[base + 2])
  local consumed = ARGV[base + 3] == '1'
  local at = tonumber(ARGV[base + 4])
  local userKey = KEYS[2 + i]

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
  redis.call('SADD', KEYS[2], ARGV[base])

  local users, weight, trending, trendingAt = 0, 0, 0, at
  local rawItem = redis.call('HGET', KEYS[1], item)
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
  redis.call('HSET', KEYS[1], item, num(users) .. ' ' .. num(weight) .. ' ' .. num(trending) .. ' ' .. num(trendingAt))
end
return #KEYS - 2
