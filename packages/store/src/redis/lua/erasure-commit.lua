-- Last step of erasing a user, atomic: sets the counters of the items the user touched to the ones
-- rebuilt from the other users' events, plus whatever was recorded on those items since the first
-- step (new value minus the value the first step saw), and closes the erasure. Does nothing unless
-- the erasure in progress still has this token (another process may have finished it).
-- KEYS[1] item features, KEYS[2] rebuilt item features, KEYS[3] erasures in progress.
-- ARGV[1] user id, ARGV[2] token, ARGV[3] trending half-life (ms).
local pending = redis.call('HGET', KEYS[3], ARGV[1])
if not pending then return 0 end
local state = cjson.decode(pending)
if state.token ~= ARGV[2] then return 0 end
local halfLife = tonumber(ARGV[3])

local function num(x)
  return string.format('%.17g', x)
end

local function parse(raw, at)
  if raw == '' then return { 0, 0, 0, at } end
  local a, b, c, d = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
  return { tonumber(a), tonumber(b), tonumber(c), tonumber(d) }
end

local function decay(elapsed)
  return math.pow(2, -elapsed / halfLife)
end

local before = state.before
for j = 1, #before, 2 do
  local item, seen = before[j], before[j + 1]
  local now = redis.call('HGET', KEYS[1], item) or ''
  local result = redis.call('HGET', KEYS[2], item) or ''
  if now ~= seen then
    local n = parse(now, 0)
    local b = parse(seen, n[4])
    local r = parse(result, n[4])
    -- What was recorded since the first step, as a trending value at n's time.
    local added = n[3] - b[3] * decay(n[4] - b[4])
    local at = r[4]
    if n[4] > b[4] and n[4] > at then at = n[4] end
    local trending = r[3] * decay(at - r[4]) + added * decay(at - n[4])
    result = num(r[1] + n[1] - b[1]) .. ' ' .. num(r[2] + n[2] - b[2]) .. ' ' .. num(trending) .. ' ' .. num(at)
  end
  if result == '' then
    redis.call('HDEL', KEYS[1], item)
  else
    redis.call('HSET', KEYS[1], item, result)
  end
end
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
