-- Erases a user's learning records, atomically per call: the impressions hashes of the requests
-- listed (all the user's), then, once the user's request set is empty, their latest-impression
-- index, attributions and assignments. Aggregate counters and the bandit hold no user id and stay.
-- KEYS[1] the user's request set, KEYS[2] latest-impression hash, KEYS[3] attributions list,
-- KEYS[4] assignments hash, KEYS[4 + i] the impressions hash of request ARGV[i].
-- Returns { 'again', impressions } while requests were added since the caller read the set,
-- else { 'ok', impressions, attributions, assignments }.
local impressions = 0
for i = 1, #ARGV do
  impressions = impressions + redis.call('HLEN', KEYS[4 + i])
  redis.call('DEL', KEYS[4 + i])
  redis.call('SREM', KEYS[1], ARGV[i])
end
if redis.call('SCARD', KEYS[1]) > 0 then return { 'again', impressions } end
redis.call('DEL', KEYS[1], KEYS[2])
local attributions = redis.call('LLEN', KEYS[3])
local assignments = redis.call('HLEN', KEYS[4])
redis.call('DEL', KEYS[3], KEYS[4])
return { 'ok', impressions, attributions, assignments }
