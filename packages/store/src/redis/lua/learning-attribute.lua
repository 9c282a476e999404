-- Attributes one outcome to one impression, atomically (same arithmetic as the embedded
-- LearningState): the impression's strongest evidence decides success, so its variant's click
-- counter goes up (or back down); the first play and completion are counted; watch time keeps the
-- most watched per play (sum and sum of squares move by the difference). When a bandit slot turns
-- into a success (or back), its weight, decayed like the rest of the evidence since it was shown,
-- moves between the arm's failures and successes.
-- KEYS[1] the list's impressions hash, KEYS[2] the user's attributions list, KEYS[3] the
-- experiment's counters hash, KEYS[4] the bandit hash.
-- ARGV[1] item id, ARGV[2] user id, ARGV[3] event id, ARGV[4] preference, ARGV[5] play (0|1),
-- ARGV[6] completed (0|1), ARGV[7] watch seconds ('' = unknown), ARGV[8] window start ('' = the
-- event named the list), ARGV[9] event type, ARGV[10] event time (ms), ARGV[11] retention (seconds).
-- Returns 'attributed', 'unknown' or 'duplicate'.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 'unknown' end
local state = cjson.decode(raw)
local impression = cjson.decode(state.i)
if impression.user_id ~= ARGV[2] then return 'unknown' end
local windowStart = tonumber(ARGV[8])
if windowStart and impression.served_at < windowStart then return 'unknown' end
local eventId = ARGV[3]
for id in string.gmatch(state.e, '[^\n]+') do
  if id == eventId then return 'duplicate' end
end
state.e = state.e .. eventId .. '\n'

local function num(x)
  return string.format('%.17g', x)
end

local variant = impression.variant
local preference = tonumber(ARGV[4])
local wasSuccess = state.s > 0
if math.abs(preference) > math.abs(state.s) then state.s = preference end
local success = state.s > 0
if success ~= wasSuccess then
  redis.call('HINCRBY', KEYS[3], variant .. ':clicks', success and 1 or -1)
  local arm = impression.arm
  if arm and state.o then
    local obs = tonumber(redis.call('HGET', KEYS[4], 'obs') or '0')
    local reset = tonumber(redis.call('HGET', KEYS[4], 'reset') or '0')
    if state.o > reset then
      local halfLife = tonumber(redis.call('HGET', KEYS[4], 'hl') or '-1')
      local factor = 1
      if halfLife > 0 then factor = math.pow(0.5, 1 / halfLife) end
      local weight = math.pow(factor, obs - state.o)
      local from, to = 'f:' .. arm, 's:' .. arm
      if not success then from, to = to, from end
      local fromValue = tonumber(redis.call('HGET', KEYS[4], from) or '0') - weight
      if fromValue < 0 then fromValue = 0 end
      local toValue = tonumber(redis.call('HGET', KEYS[4], to) or '0') + weight
      redis.call('HSET', KEYS[4], from, num(fromValue), to, num(toValue))
    end
  end
end
if ARGV[5] == '1' and state.p == 0 then
  state.p = 1
  redis.call('HINCRBY', KEYS[3], variant .. ':plays', 1)
end
if ARGV[6] == '1' and state.c == 0 then
  state.c = 1
  redis.call('HINCRBY', KEYS[3], variant .. ':completions', 1)
end
local seconds = tonumber(ARGV[7])
if seconds and seconds >= 0 then
  local sums = redis.call('HMGET', KEYS[3], variant .. ':watch_sum', variant .. ':watch_sum_squares')
  local sum, squares = tonumber(sums[1] or '0'), tonumber(sums[2] or '0')
  if state.w < 0 then
    redis.call('HINCRBY', KEYS[3], variant .. ':watch_count', 1)
    sum = sum + seconds
    squares = squares + seconds * seconds
    state.w = seconds
  elseif seconds > state.w then
    sum = sum + (seconds - state.w)
    squares = squares + (seconds * seconds - state.w * state.w)
    state.w = seconds
  end
  redis.call('HSET', KEYS[3], variant .. ':watch_sum', num(sum), variant .. ':watch_sum_squares', num(squares))
end
-- HSET keeps the hash's TTL (set when the list was recorded).
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(state))

local attribution = {
  event_id = eventId,
  event_type = ARGV[9],
  user_id = ARGV[2],
  item_id = ARGV[1],
  request_id = impression.request_id,
  position = impression.position,
  algorithm_source = impression.algorithm_source,
  experiment_id = impression.experiment_id,
  variant = variant,
  arm = impression.arm,
  matched_by = windowStart and 'window' or 'recommendation_id',
  at = tonumber(ARGV[10]),
}
redis.call('RPUSH', KEYS[2], cjson.encode(attribution))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[11]))
return 'attributed'
