/**
 * The Lua scripts of the Redis health store. Each runs atomically; together they are the only writers.
 *
 * Key layout (B = `<prefix>{health}:`; the `{health}` hash tag puts every key in one Cluster slot, which
 * multi-key scripts need — health data is small, one shard holds it easily):
 *   B series         ZSET  series id → newest slot written (idle series fall out of the window)
 *   B w:<series>     HASH  `<slot>:<field>` → count (fields n e c r s x l0..l32), `_p` = first unpruned slot;
 *                          TTL long window + 2 slots, refreshed on write
 *   B state          HASH  provider → JSON HealthRecord (no TTL: a drained provider stays drained)
 *   B alert:<key>    STRING alert dedupe claim, TTL
 *   B writer:<id>    STRING last batch sequence applied for one monitor instance, TTL (idempotent retries)
 * Keys built inside the scripts share the hash tag of the declared KEYS, so they live on the same node.
 */
import { SERIES_SEPARATOR } from './series-id.ts';

/** The series id separator as a Lua string literal (series-id.ts owns it; JSON quoting is valid Lua). */
const SEPARATOR = JSON.stringify(SERIES_SEPARATOR);

/**
 * KEYS: series zset, state hash. ARGV: base, fromSlot, toSlot, ttlMs, read (0/1), readModels (0/1),
 * fieldsPerSlot (comma-separated field names, for pruning), writer id, batch seq, nWrites, then per write:
 * series, slot, nFields, field, value, ... A batch whose seq is not above the writer's last applied seq was
 * applied before (the writer timed out waiting): its writes are skipped.
 * Returns {} or, when read, { {series, {field, value, ...}, ...}, {provider, json, ...} }.
 */
export const SYNC_LUA = `
local base = ARGV[1]
local fromSlot = tonumber(ARGV[2])
local toSlot = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local read = ARGV[5] == '1'
local readModels = ARGV[6] == '1'
local slotFields = {}
for f in string.gmatch(ARGV[7], '[^,]+') do slotFields[#slotFields + 1] = f end
local maxPrune = toSlot - fromSlot + 4

local function prune(key)
  local stored = redis.call('HGET', key, '_p')
  local marker
  if not stored then
    if redis.call('EXISTS', key) == 0 then
      redis.call('HSET', key, '_p', fromSlot)
      return
    end
    marker = fromSlot - maxPrune
  else
    marker = math.max(tonumber(stored) or (fromSlot - maxPrune), fromSlot - maxPrune)
  end
  if marker >= fromSlot then return end
  for s = marker, fromSlot - 1 do
    local names = {}
    for i = 1, #slotFields do names[i] = s .. ':' .. slotFields[i] end
    redis.call('HDEL', key, unpack(names))
  end
  redis.call('HSET', key, '_p', fromSlot)
end

local writerKey = base .. 'writer:' .. ARGV[8]
local seq = tonumber(ARGV[9])
local nWrites = tonumber(ARGV[10])
if seq > 0 and nWrites > 0 then
  local last = tonumber(redis.call('GET', writerKey) or '0') or 0
  if seq <= last then nWrites = 0 else redis.call('SET', writerKey, seq, 'PX', ttl) end
end
local i = 11
for w = 1, nWrites do
  local series = ARGV[i]
  local slot = tonumber(ARGV[i + 1])
  local nFields = tonumber(ARGV[i + 2])
  i = i + 3
  if slot >= fromSlot then
    local key = base .. 'w:' .. series
    prune(key)
    for f = 1, nFields do
      redis.call('HINCRBY', key, slot .. ':' .. ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    redis.call('PEXPIRE', key, ttl)
    local newest = tonumber(redis.call('ZSCORE', KEYS[1], series) or '')
    if newest == nil or newest < slot then redis.call('ZADD', KEYS[1], slot, series) end
  else
    i = i + 2 * nFields
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. fromSlot)
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ttl) end

if not read then return {} end
local out = {}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], fromSlot, '+inf')
for _, series in ipairs(members) do
  if readModels or not string.find(series, ${SEPARATOR}, 1, true) then
    out[#out + 1] = series
    out[#out + 1] = redis.call('HGETALL', base .. 'w:' .. series)
  end
end
return { out, redis.call('HGETALL', KEYS[2]) }
`;

/**
 * KEYS: state hash. ARGV: provider, expected version, next record JSON.
 * Returns { 1, json } when stored, { 0, current json or '' } when the version moved on.
 */
export const COMPARE_AND_SET_LUA = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded['version']) then version = tonumber(decoded['version']) end
end
if version ~= tonumber(ARGV[2]) then return { 0, current or '' } end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return { 1, ARGV[3] }
`;

/** KEYS: series zset. ARGV: base, provider series id. Deletes the provider's series and its model series. */
export const RESET_WINDOWS_LUA = `
local id = ARGV[2]
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, series in ipairs(members) do
  if series == id or string.sub(series, 1, string.len(id) + 1) == id .. ${SEPARATOR} then
    redis.call('DEL', ARGV[1] .. 'w:' .. series)
    redis.call('ZREM', KEYS[1], series)
  end
end
return 1
`;
