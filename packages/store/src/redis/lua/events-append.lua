-- Appends the events whose id is new, atomically, with appendEvent from shared/append-event.lua
-- (placed in front by lua-scripts.ts): a retry (same event_id), also of an erased event, is
-- reported as a duplicate and not stored again.
-- KEYS[1] event id set, KEYS[2] event stream, KEYS[3] bodies hash, KEYS[4] user id set,
-- KEYS[5] erased id digests, KEYS[5 + i] the user event list of event i.
-- ARGV, per event i: event_id, user_id, event JSON.
-- Returns { accepted ids, duplicate ids }.
local accepted, duplicates = {}, {}
for i = 1, #KEYS - 5 do
  local base = (i - 1) * 3
  local id = ARGV[base + 1]
  if appendEvent(id, ARGV[base + 2], ARGV[base + 3], KEYS[5 + i]) then
    accepted[#accepted + 1] = id
  else
    duplicates[#duplicates + 1] = id
  end
end
return { accepted, duplicates }
