/**
 * The Redis budget store's one script: an instance's heartbeat and all its lease orders, applied atomically
 * in one round trip. The grant rule is lease-grant.ts's `grantLease`, step for step; one test suite holds
 * both to the same answers.
 *
 * Key layout (B = `<prefix>{budgets}:`; the hash tag keeps every key in one Cluster slot, which a
 * multi-key script needs; budgets are tiny):
 *   B instances      ZSET   instance id → last sync time (the live count gives a degraded instance its share)
 *   B b:<budget>     STRING the budget's GCRA state (`tat`, ms), expiring once the budget would be rested
 *
 * KEYS: instances zset. ARGV: base, now, instance id, instance TTL ms, number of orders, then per order:
 * budget id, intervalMs, burst, debit, giveBack, want, need.
 * Returns { live instances, then per order: granted, waitMs, room }.
 */
export const BUDGET_SYNC_LUA = `
local base = ARGV[1]
local now = tonumber(ARGV[2])
local instanceTtl = tonumber(ARGV[4])
local n = tonumber(ARGV[5])
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.17g', now - instanceTtl))
redis.call('PEXPIRE', KEYS[1], instanceTtl * 2)
local out = { redis.call('ZCARD', KEYS[1]) }
local eps = 1e-6
local i = 6
for o = 1, n do
  local key = base .. 'b:' .. ARGV[i]
  local interval = tonumber(ARGV[i + 1])
  local burst = tonumber(ARGV[i + 2])
  local debit = tonumber(ARGV[i + 3])
  local giveBack = tonumber(ARGV[i + 4])
  local want = tonumber(ARGV[i + 5])
  local need = tonumber(ARGV[i + 6])
  i = i + 7
  local tat = tonumber(redis.call('GET', key) or '0') or 0
  local nxt = math.max(tat, now) + debit * interval
  nxt = math.max(now, nxt - giveBack * interval)
  local granted = 0
  local wait = 0
  if need > 0 then
    local backlog = nxt - now
    local fits = math.floor((burst * interval - backlog) / interval + eps)
    if need > burst then
      if backlog <= eps then granted = math.max(need, want) end
    elseif fits >= need then
      granted = math.min(math.max(want, need), fits)
    end
    if granted == 0 then
      wait = math.max(1, math.ceil(backlog + need * interval - math.max(burst, need) * interval))
    end
    nxt = nxt + granted * interval
  end
  local room = math.max(0, math.floor((burst * interval - (nxt - now)) / interval + eps))
  if nxt > now then
    redis.call('SET', key, string.format('%.17g', nxt), 'PX', math.ceil(nxt - now) + 1000)
  else
    redis.call('DEL', key)
  end
  out[#out + 1] = granted
  out[#out + 1] = wait
  out[#out + 1] = room
end
return out
`;
