-- Appends the events whose id is new, atomically: a retry (same event_id), also of an erased
-- event, is reported as a duplicate and not stored again.
-- The stream entry only orders the log (its id carries the append time); the event itself is kept
-- in the bodies hash under the entry id, so erasing it frees its bytes (a stream keeps deleted
-- entries' bytes until its whole node is deleted).
-- KEYS[1] event id set, KEYS[2] event stream, KEYS[3] bodies hash, KEYS[4] user id set,
-- KEYS[5] erased id digests, KEYS[5 + i] the user event list of event i.
-- ARGV, per event i: event_id, user_id, event JSON.
-- Returns { accepted ids, duplicate ids }.
local accepted, duplicates = {}, {}
local anyErased = redis.call('SCARD', KEYS[5]) > 0
for i = 1, #KEYS - 5 do
  local base = (i - 1) * 3
  local id, user, json = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local erased = anyErased and redis.call('SISMEMBER', KEYS[5], redis.sha1hex(id)) == 1
  if not erased and redis.call('SADD', KEYS[1], id) == 1 then
    local entry = redis.call('XADD', KEYS[2], '*', 'v', '1')
    redis.call('HSET', KEYS[3], entry, json)
    redis.call('RPUSH', KEYS[5 + i], entry)
    redis.call('SADD', KEYS[4], user)
    accepted[#accepted + 1] = id
  else
    duplicates[#duplicates + 1] = id
  end
end
return { accepted, duplicates }
