/**
 * Lua scripts of the Redis layer. Each runs atomically on one Redis host, so a capacity
 * check and its push cannot interleave with another sender's.
 *
 * Wire format of a list entry: `{"t":<sent at, ms>,"m":<message>,"c":[<channels>]}`.
 * Entries on a process's list (`<prefix>:ch:<part before !>`) name the process-local
 * channels they are for; entries on a plain channel's list have `"c":[]`.
 */

/**
 * PUSH: `KEYS[1]` list; `ARGV` capacity, ttl seconds, entry, expiry cutoff (ms). When the
 * list is full, expired entries at its head are dropped first (they no longer count).
 * Returns 1 when pushed, 0 when the list is full.
 */
export const PUSH = `
local cap = tonumber(ARGV[1])
if redis.call('LLEN', KEYS[1]) >= cap then
  local cutoff = tonumber(ARGV[4])
  while true do
    local head = redis.call('LINDEX', KEYS[1], 0)
    if not head then break end
    local t = tonumber(string.match(head, '^{"t":(%d+)'))
    if not t or t >= cutoff then break end
    redis.call('LPOP', KEYS[1])
  end
  if redis.call('LLEN', KEYS[1]) >= cap then return 0 end
end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * GROUP_MEMBERS: `KEYS[1]` group set; `ARGV[1]` cutoff score. Drops lapsed memberships and
 * returns the live members.
 */
export const GROUP_MEMBERS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/**
 * GROUP_SEND (every key on one host): `KEYS[1]` group set; `ARGV` cutoff score, channel key
 * prefix, entry head (`{"t":..,"m":..,"c":`), ttl seconds, capacity of a process list,
 * capacity of a plain channel, then the parts to skip (the sender's own, delivered in
 * process). One entry per receiving process, naming all its member channels: one Redis
 * write per process per group send, never one per member. Returns the members skipped
 * because their list was full.
 */
export const GROUP_SEND = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local prefix, head, ttl = ARGV[2], ARGV[3], ARGV[4]
local partCap, channelCap = tonumber(ARGV[5]), tonumber(ARGV[6])
local skip = {}
for i = 7, #ARGV do skip[ARGV[i]] = true end
local byPart, order, dropped = {}, {}, 0
for _, ch in ipairs(members) do
  local bang = string.find(ch, '!', 1, true)
  if bang then
    local part = string.sub(ch, 1, bang)
    if not skip[part] then
      if not byPart[part] then byPart[part] = {}; order[#order + 1] = part end
      local list = byPart[part]
      list[#list + 1] = ch
    end
  else
    local key = prefix .. ch
    if redis.call('LLEN', key) < channelCap then
      redis.call('RPUSH', key, head .. '[]}')
      redis.call('EXPIRE', key, ttl)
    else
      dropped = dropped + 1
    end
  end
end
for _, part in ipairs(order) do
  local key = prefix .. part
  if redis.call('LLEN', key) < partCap then
    redis.call('RPUSH', key, head .. cjson.encode(byPart[part]) .. '}')
    redis.call('EXPIRE', key, ttl)
  else
    dropped = dropped + #byPart[part]
  end
end
return dropped
`;

/** FNV-1a: a stable string hash for choosing a host. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The part of a channel name that picks its list and host: up to and including `!`, or all of it. */
export function nonLocalPart(channel: string): string {
  const bang = channel.indexOf("!");
  return bang === -1 ? channel : channel.slice(0, bang + 1);
}
