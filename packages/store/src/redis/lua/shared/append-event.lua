-- Shared chunk, placed by lua-scripts.ts in front of the scripts that append events (EVAL runs a
-- single chunk, so scripts cannot load one another; they share code this way and stay atomic).
-- Expects the key layout those scripts share: KEYS[1] event id set, KEYS[2] event stream,
-- KEYS[3] bodies hash, KEYS[4] user id set, KEYS[5] erased id digests.
-- The stream entry only orders the log (its id carries the append time); the event itself is kept
-- in the bodies hash under the entry id, so erasing it frees its bytes (a stream keeps deleted
-- entries' bytes until its whole node is deleted).

local anyErased = redis.call('SCARD', KEYS[5]) > 0

-- Appends one event unless its id was seen (or erased) before: a retry, also of an erased event,
-- is not stored again. Returns true when the event was appended.
local function appendEvent(id, user, json, userListKey)
  local erased = anyErased and redis.call('SISMEMBER', KEYS[5], redis.sha1hex(id)) == 1
  if erased or redis.call('SADD', KEYS[1], id) == 0 then return false end
  local entry = redis.call('XADD', KEYS[2], '*', 'v', '1')
  redis.call('HSET', KEYS[3], entry, json)
  redis.call('RPUSH', userListKey, entry)
  redis.call('SADD', KEYS[4], user)
  return true
end
