-- Retention: drops a page of stream entries older than the cut-off (the caller read them with
-- XRANGE), atomically per page: each entry's body, its event id (a retry of it is then new again)
-- and its place in the user's event list. An entry whose body is gone (erased meanwhile) only
-- leaves the stream. Features are not touched.
-- KEYS[1] stream, KEYS[2] bodies hash, KEYS[3] event id set, KEYS[3 + i] the event list of the
-- user of entry i (any key when the caller found no body).
-- ARGV, per entry i: stream entry id, event id ('' when the caller found no body).
-- Returns the number of events dropped.
local dropped = 0
for i = 1, #KEYS - 3 do
  local entry, id = ARGV[(i - 1) * 2 + 1], ARGV[(i - 1) * 2 + 2]
  if redis.call('HDEL', KEYS[2], entry) == 1 then
    if id ~= '' then redis.call('SREM', KEYS[3], id) end
    redis.call('LREM', KEYS[3 + i], 1, entry)
    dropped = dropped + 1
  end
  redis.call('XDEL', KEYS[1], entry)
end
return dropped
