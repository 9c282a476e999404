-- Appends the events whose id is new and folds those into the user-item and item features, in one
-- atomic step: an acknowledged event is always in the features too, so a client's retry (a
-- duplicate) never leaves the features short. The append (appendEvent) and the fold (foldFeature)
-- are the ones events-append.lua and features-record.lua run: lua-scripts.ts places
-- shared/append-event.lua and shared/fold-features.lua in front of this script.
-- KEYS[1] event id set, KEYS[2] event stream, KEYS[3] bodies hash, KEYS[4] user id set,
-- KEYS[5] erased id digests, KEYS[6] item feature hash,
-- KEYS[5 + 2i] the user event list of event i, KEYS[6 + 2i] the user feature hash of event i.
-- ARGV[1] trending half-life (ms), ARGV[2] positive epsilon, then per event i: event_id, user_id,
-- event JSON, item_id ('' when the event carries no feature signal), preference, consumed (0|1),
-- event time (epoch ms).
-- Returns { accepted ids, duplicate ids }.
local accepted, duplicates = {}, {}
for i = 1, (#KEYS - 6) / 2 do
  local base = 2 + (i - 1) * 7
  local id, user, item = ARGV[base + 1], ARGV[base + 2], ARGV[base + 4]
  if appendEvent(id, user, ARGV[base + 3], KEYS[5 + 2 * i]) then
    if item ~= '' then
      foldFeature(KEYS[6 + 2 * i], KEYS[6], KEYS[4], user, item, tonumber(ARGV[base + 5]), ARGV[base + 6] == '1', tonumber(ARGV[base + 7]))
    end
    accepted[#accepted + 1] = id
  else
    duplicates[#duplicates + 1] = id
  end
end
return { accepted, duplicates }
