-- Records the impressions of one served list, atomically (same arithmetic as the embedded
-- LearningState): each new (request, item) is stored with an empty outcome, counted for its
-- experiment variant, indexed as the user's latest impression of the item, and, for a slot the
-- bandit filled, added to the bandit as one observation: every arm's evidence decays by the
-- per-observation factor, then the arm gains one failure (until an outcome turns it into a success).
-- KEYS[1] the list's impressions hash, KEYS[2] the user's latest-impression hash, KEYS[3] the user's
-- request set, KEYS[4] the user's assignments hash, KEYS[5] the experiment's counters hash,
-- KEYS[6] the bandit hash.
-- ARGV[1] bandit half-life in observations ('' = no decay), ARGV[2] retention (seconds),
-- ARGV[3] experiment id, ARGV[4] variant, ARGV[5] request id,
-- then per impression: item id, arm ('' = none), impression JSON.
-- Returns { recorded, duplicates }.
local halfLife = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local experiment, variant, request = ARGV[3], ARGV[4], ARGV[5]

local function num(x)
  return string.format('%.17g', x)
end

local bandit = nil
local factor = 1
if halfLife and halfLife > 0 then factor = math.pow(0.5, 1 / halfLife) end

local recorded, duplicates = 0, 0
for i = 6, #ARGV, 3 do
  local item, arm, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[1], item) == 1 then
    duplicates = duplicates + 1
  else
    local state = { i = json, s = 0, p = 0, c = 0, w = -1, e = '' }
    if redis.call('HSETNX', KEYS[4], experiment, variant) == 1 then
      redis.call('HINCRBY', KEYS[5], variant .. ':users', 1)
    end
    redis.call('HINCRBY', KEYS[5], variant .. ':impressions', 1)
    if arm ~= '' then
      if not bandit then
        bandit = {}
        local flat = redis.call('HGETALL', KEYS[6])
        for j = 1, #flat, 2 do bandit[flat[j]] = tonumber(flat[j + 1]) end
      end
      if factor ~= 1 then
        for field, value in pairs(bandit) do
          local kind = string.sub(field, 1, 2)
          if kind == 's:' or kind == 'f:' then bandit[field] = value * factor end
        end
      end
      bandit['f:' .. arm] = (bandit['f:' .. arm] or 0) + 1
      bandit['s:' .. arm] = bandit['s:' .. arm] or 0
      bandit['obs'] = (bandit['obs'] or 0) + 1
      state.o = bandit['obs']
    end
    redis.call('HSET', KEYS[1], item, cjson.encode(state))
    redis.call('HSET', KEYS[2], item, request)
    recorded = recorded + 1
  end
end
if bandit then
  bandit['hl'] = halfLife or -1
  local flat = {}
  for field, value in pairs(bandit) do
    flat[#flat + 1] = field
    flat[#flat + 1] = num(value)
  end
  redis.call('HSET', KEYS[6], unpack(flat))
end
redis.call('SADD', KEYS[3], request)
for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ttl) end
return { recorded, duplicates }
