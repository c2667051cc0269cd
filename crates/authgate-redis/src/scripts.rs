//! The Lua scripts: each runs atomically on the server, so a write that touches several
//! keys happens whole or not at all, and checks (a free email, an unlinked account, an
//! unchanged record) hold when the write happens. Every key a script touches is passed
//! in `KEYS` (built in Rust, see `keys.rs`); an empty key name stands for "none". The
//! members of a user's account and session sets are keys themselves.
//!
//! A script answers `OK` or a reason it wrote nothing: `EMAIL_TAKEN`, `ACCOUNT_LINKED`,
//! `SESSION_EXISTS`, `NO_USER`, or `CHANGED` (a compare-and-set found the record
//! changed since it was read: the caller reads again and retries).

use std::sync::LazyLock;

use redis::Script;

/// Creates a user (unless its id is taken), its email index entry and, when given, its
/// first account.
/// KEYS: user, email index entry (or none), account (or none), the user's account set.
/// ARGV: user id, user JSON, account JSON.
pub(crate) static CREATE_USER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 'ID_TAKEN' end
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then return 'ACCOUNT_LINKED' end
if KEYS[2] ~= '' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'EMAIL_TAKEN' end
  redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3])
  redis.call('SADD', KEYS[4], KEYS[3])
end
return 'OK'
",
    )
});

/// Links an account to an existing user.
/// KEYS: user, account, the user's account set. ARGV: account JSON.
pub(crate) static LINK_ACCOUNT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 'NO_USER' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'ACCOUNT_LINKED' end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], KEYS[2])
return 'OK'
",
    )
});

/// Compare-and-set of a record, moving an index entry along (a user's new email).
/// KEYS: record, index entry to claim (or none), index entry to release (or none).
/// ARGV: the record as read, its new value, the index value (the user id).
pub(crate) static REPLACE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'CHANGED' end
if KEYS[2] ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= ARGV[3] then return 'EMAIL_TAKEN' end
  redis.call('SET', KEYS[2], ARGV[3])
end
if KEYS[3] ~= '' and redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 'OK'
",
    )
});

/// Compare-and-delete of a record and its membership in its owner's set (unlinking an
/// account). KEYS: record, set. ARGV: the record as read.
pub(crate) static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'CHANGED' end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
return 'OK'
",
    )
});

/// Deletes a user (compare-and-delete), its email index entry, its accounts and its
/// sessions. KEYS: user, email index entry (or none), account set, session set.
/// ARGV: the user as read ('' when there was none), the user id.
pub(crate) static DELETE_USER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 'CHANGED' end
if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', key) end
for _, key in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
return 'OK'
",
    )
});

/// Stores a session of an existing user, expiring with it, and drops the user's
/// expired sessions from their set. KEYS: user, session, the user's session set.
/// ARGV: session JSON, its expiry (Unix ms), now (Unix ms).
pub(crate) static CREATE_SESSION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 'NO_USER' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'SESSION_EXISTS' end
redis.call('SET', KEYS[2], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
return 'OK'
",
    )
});

/// Deletes a user's sessions but one; answers how many it deleted.
/// KEYS: the user's session set. ARGV: the session key to keep ('' for none).
pub(crate) static DELETE_SESSIONS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local deleted = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if key ~= ARGV[1] then
    deleted = deleted + redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], key)
  end
end
return deleted
",
    )
});

/// Lua for [`GET_SESSIONS_AND_USERS`]: `user_key(prefix, session)`, the key of a
/// session record's user, built as `keys.rs` builds it (`%` and `:` of the id escaped);
/// `nil` when the record has no string `user_id`, `false` when it cannot be decoded.
///
/// The id is found with plain `string.find`s (Lua patterns try every position) when it
/// has no escapes: ids are UUIDs or app ids, and a JSON string's own quotes are always
/// escaped, so in a record this adapter wrote the first `"user_id":"` is the real field.
/// Anything else is decoded. (A record written by hand with a nested `user_id` member
/// first could name another user: the adapter checks the user's id against the
/// session's, and fails that read.)
const USER_KEY: &str = r#"
local function user_key(prefix, session)
  local id
  local _, at = string.find(session, '"user_id":"', 1, true)
  if at then
    local stop = string.find(session, '"', at + 1, true)
    if stop then
      id = string.sub(session, at + 1, stop - 1)
      if string.find(id, '\\', 1, true) then id = nil end
    end
  end
  if not id then
    local ok, decoded = pcall(function() return cjson.decode(session)['user_id'] end)
    if not ok then return false end
    id = decoded
  end
  if type(id) ~= 'string' then return nil end
  if string.find(id, '[%%:]') then
    id = string.gsub(string.gsub(id, '%%', '%%25'), ':', '%%3A')
  end
  return prefix .. id
end
"#;

/// Sessions and their users in one round trip (the hot path of database sessions: a
/// gathered batch, or one read alone). KEYS: the session keys. ARGV: the key prefix.
/// Answers two values per key, in order: the session JSON and the user JSON; both nil
/// when there is no session or its user is gone; the session record and a nil user when
/// the record cannot be decoded (that read fails; the others of the call go on).
///
/// What costs the server, measured: Redis 7's Lua hashes every byte of every string it
/// makes, so the two records are not joined here (a joined row is one more string of
/// both); the records are fetched with two `MGET`s for the whole call (decoding every
/// record, or a `GET` per record, cost several times more).
pub(crate) static GET_SESSIONS_AND_USERS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{USER_KEY}{}",
        r"
local prefix = ARGV[1] .. 'user:'
local sessions = redis.call('MGET', unpack(KEYS))
local slots, user_keys = {}, {}
for i, session in ipairs(sessions) do
  if session then
    local key = user_key(prefix, session)
    if key then
      user_keys[#user_keys + 1] = key
      slots[i] = #user_keys
    elseif key == false then
      slots[i] = false
    end
  end
end
local users = {}
if #user_keys > 0 then users = redis.call('MGET', unpack(user_keys)) end
local out = {}
for i, session in ipairs(sessions) do
  local slot = slots[i]
  local user = slot and users[slot]
  if slot == false then
    out[2 * i - 1], out[2 * i] = session, false
  elseif user then
    out[2 * i - 1], out[2 * i] = session, user
  else
    out[2 * i - 1], out[2 * i] = false, false
  end
end
return out
"
    ))
});

/// Counts one rate-limited attempt: a fixed window that starts at the key's first
/// attempt (and is set again should the key have lost its TTL).
/// KEYS: the counter. ARGV: the window in ms. Answers `{count, ms left}`.
pub(crate) static RATE_LIMIT_HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
",
    )
});

/// Releases a lock if its owner still holds it (a lock that expired and was taken by
/// another owner is left alone).
/// KEYS: the lock. ARGV: the owner. Answers 1 when released, 0 otherwise.
pub(crate) static RELEASE_LOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});
