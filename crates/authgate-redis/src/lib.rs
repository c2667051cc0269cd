//! A Redis [`Adapter`](authgate_core::adapter::Adapter) for authgate: users, accounts,
//! sessions and verification tokens in Redis, through the [`redis`] crate's
//! [`ConnectionManager`](redis::aio::ConnectionManager) (tokio), which reconnects by
//! itself after a dropped connection or a server restart.
//!
//! ```no_run
//! # async fn run() -> Result<(), authgate_core::adapter::AdapterError> {
//! use std::sync::Arc;
//! use authgate_core::adapter::Adapter;
//! use authgate_redis::RedisAdapter;
//!
//! let adapter = RedisAdapter::connect("redis://127.0.0.1:6379")
//!     .await?
//!     .with_prefix("myapp:auth:");
//! let adapter: Arc<dyn Adapter> = Arc::new(adapter);
//! # let _ = adapter;
//! # Ok(()) }
//! ```
//!
//! It needs Redis 6.2 or later (`GETDEL`, `SET … PXAT`), one server (or a primary with
//! replicas; not Redis Cluster: a script touches one user's keys, in many slots), and an
//! eviction policy that never drops keys without a TTL (`noeviction` or `volatile-*`),
//! since users and accounts have none.
//!
//! Feature `tls-rustls`: `rediss://` URLs, with rustls (ring) and the system's root
//! certificates. For a private CA or a client certificate, build the client with
//! `redis::Client::build_with_tls` and hand its `ConnectionManager` to
//! [`RedisAdapter::new`].
//!
//! # Data layout
//!
//! Every key starts with the adapter's prefix (`authgate:` unless set with
//! [`RedisAdapter::with_prefix`]); records are JSON (the models' serde form).
//!
//! | key | type | what |
//! | --- | --- | --- |
//! | `user:{id}` | string | a user (JSON) |
//! | `user:email:{email}` | string | the id of the user with this email (the unique index) |
//! | `user:accounts:{id}` | set | the keys of the user's accounts |
//! | `user:sessions:{id}` | sorted set | the keys of the user's sessions, scored by expiry (Unix ms) |
//! | `account:{provider}:{provider_account_id}` | string | a linked account (JSON) |
//! | `session:{session_token}` | string | a session (JSON), expiring at its expiry (`PXAT`) |
//! | `verification:{identifier}:{token}` | string | a verification token (JSON), expiring at its expiry |
//!
//! In every part but the last of a key, `%` and `:` are percent-encoded (`%25`, `%3A`):
//! a provider `a:b` with account `c` and a provider `a` with account `b:c` have two
//! keys, and no user id reads as another kind of key. User ids are UUIDs, provider ids
//! `[A-Za-z0-9_-]`, so in practice keys read as in the table. Tokens arrive hashed from
//! the engine, so no key holds a usable token.
//!
//! # Atomicity
//!
//! Writes that touch several keys, or that must check something first, are Lua scripts,
//! which Redis runs whole with nothing in between:
//!
//! - creating a user claims its email index entry only if free, and
//!   `create_user_with_account` also writes the account only if unlinked, all in one
//!   script: two concurrent sign-ups with one email (or one provider account) create
//!   one user, and the other gets [`Conflict`](authgate_core::adapter::AdapterError::Conflict);
//! - `link_account` and `create_session` check that the user exists (else
//!   [`NotFound`](authgate_core::adapter::AdapterError::NotFound)) and that the account or
//!   token is new (else `Conflict`) in the script that writes;
//! - `update_user`, `update_account`, `unlink_account` and `delete_user` read the record,
//!   then run a compare-and-set script that writes only if it is unchanged (moving the
//!   email index entry, or deleting the accounts and sessions along), and read again if
//!   it changed;
//! - `use_verification_token` is one `GETDEL`: one caller gets the token;
//!   `update_session` is `SET … XX PXAT` with the session set's score in one
//!   `MULTI`; `delete_sessions` is a script.
//!
//! Session reads: a gathered batch of session tokens is read in one round trip. The
//! adapter remembers the user key of each session it has read (a session's user never
//! changes; at most 50,000 entries, one map per adapter and its clones, a new one per
//! `with_prefix`), so a batch of sessions read before takes one `MGET` of their session
//! and user records; a batch with any other token goes through a script that finds
//! each session's user. Both read the session record every time: nothing is served
//! from memory. A pair the remembered key does not explain (its user record missing,
//! a record that fails its check) is read again with the script in the same call, so
//! both ways answer alike.
//!
//! Sessions and verification tokens expire in Redis at their expiry; an expired one
//! that Redis has not evicted yet (clocks differ) is still never returned as valid. A
//! user's session set drops expired members when a session is created or the sessions
//! are listed. Every Redis failure (unreachable, timed out, refused) is an
//! [`AdapterError::Backend`](authgate_core::adapter::AdapterError::Backend), as is a
//! record that is not valid JSON.

mod adapter;
mod keys;
mod rate_limit;
mod records;
mod refresh_lock;
mod scripts;

pub use adapter::RedisAdapter;
pub use rate_limit::RedisRateLimitStore;
/// The `redis` crate this adapter is built on (for [`RedisAdapter::new`]).
pub use redis;
pub use refresh_lock::RedisRefreshLock;

/// The key prefix of an adapter unless set with [`RedisAdapter::with_prefix`].
pub const DEFAULT_PREFIX: &str = "authgate:";
