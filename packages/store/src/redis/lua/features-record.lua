-- Folds a batch of already-deduplicated event signals into user-item and item features,
-- atomically, with foldFeature from shared/fold-features.lua (placed in front by lua-scripts.ts).
-- KEYS[1] item feature hash, KEYS[2] set of user ids, KEYS[2 + i] the user feature hash of signal i.
-- ARGV[1] trending half-life (ms), ARGV[2] positive epsilon,
-- then per signal i: user_id, item_id, preference, consumed (0|1), event time (epoch ms).
for i = 1, #KEYS - 2 do
  local base = 3 + (i - 1) * 5
  foldFeature(KEYS[2 + i], KEYS[1], KEYS[2], ARGV[base], ARGV[base + 1], tonumber(ARGV[base + 2]), ARGV[base + 3] == '1', tonumber(ARGV[base + 4]))
end
return #KEYS - 2
