-- Creates or replaces an experiment, atomically.
-- KEYS[1] experiments hash (id -> record JSON).
-- ARGV[1] 'create' or 'update', ARGV[2] id, ARGV[3] record JSON, ARGV[4] '1' when the record is running.
-- create: { 'exists' } when the id is taken, { 'running', id } when another experiment runs and this
-- one would too, else { 'created' }. update: { 'missing' } when the id is not stored, else { 'updated' }.
local exists = redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1
if ARGV[1] == 'update' then
  if not exists then return { 'missing' } end
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  return { 'updated' }
end
if exists then return { 'exists' } end
if ARGV[4] == '1' then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local ok, record = pcall(cjson.decode, all[i + 1])
    if ok and type(record) == 'table' and record.status == 'running' then return { 'running', all[i] } end
  end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return { 'created' }
