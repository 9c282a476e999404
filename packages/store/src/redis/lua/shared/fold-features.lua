-- Shared chunk, placed by lua-scripts.ts in front of the scripts that fold event signals into
-- features (EVAL runs a single chunk, so scripts cannot load one another; they share code this way
-- and stay atomic). The same arithmetic as the embedded feature store; numbers are written with 17
-- significant digits so they read back as the same doubles.
-- User feature value: "preference events consumed last_at".
-- Item feature value: "positive_users positive_weight trending trending_at".
-- Reads ARGV[1] trending half-life (ms) and ARGV[2] positive epsilon, in both scripts.
local halfLife, epsilon = tonumber(ARGV[1]), tonumber(ARGV[2])

local function num(x)
  return string.format('%.17g', x)
end

local function fields(raw)
  local a, b, c, d = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
  return tonumber(a), tonumber(b), tonumber(c), tonumber(d)
end

-- Folds one signal of `user` on `item` into the user feature hash `userKey` and the item feature
-- hash `itemKey`, and adds the user to the set `usersKey`.
local function foldFeature(userKey, itemKey, usersKey, user, item, preference, consumed, at)
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
  redis.call('SADD', usersKey, user)

  local users, weight, trending, trendingAt = 0, 0, 0, at
  local rawItem = redis.call('HGET', itemKey, item)
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
  redis.call('HSET', itemKey, item, num(users) .. ' ' .. num(weight) .. ' ' .. num(trending) .. ' ' .. num(trendingAt))
end
