-- Forgets the bandit's evidence: every arm back to the prior. Slots shown before the reset (up to
-- observation `reset`) no longer move evidence when their outcome arrives.
-- KEYS[1] the bandit hash.
local flat = redis.call('HGETALL', KEYS[1])
local obs = '0'
for i = 1, #flat, 2 do
  local field = flat[i]
  local kind = string.sub(field, 1, 2)
  if kind == 's:' or kind == 'f:' then redis.call('HDEL', KEYS[1], field) end
  if field == 'obs' then obs = flat[i + 1] end
end
redis.call('HSET', KEYS[1], 'reset', obs)
return 1
