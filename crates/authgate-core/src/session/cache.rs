//! A short in-process cache of database session reads (off unless the app sets a TTL):
//! keyed by the hashed token; dropped at once when this instance signs the session out
//! or revokes it.
//!
//! A read whose store call overlaps a sign-out could otherwise put the session back
//! after the sign-out dropped it. So every drop counts (`epoch`), a reader notes the
//! count before its store call and takes its entry back out if the count moved by the
//! time it is in, and whoever deletes a session drops it again after the store delete.
//! Whatever the interleaving, no entry read before a delete outlives that delete.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use time::OffsetDateTime;

use crate::adapter::{AdapterSession, AdapterUser};

/// Cached session reads.
pub(crate) struct SessionCache {
    ttl: Duration,
    entries: Option<Cache<String, (Instant, AdapterSession, AdapterUser)>>,
    /// How many times an entry was dropped (sign-out, revocation, update).
    epoch: AtomicU64,
}

impl SessionCache {
    /// A cache whose entries live `ttl` (zero: no cache).
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: (!ttl.is_zero()).then(|| Cache::new(10_000)),
            epoch: AtomicU64::new(0),
        }
    }

    /// The drop count, noted by a reader before its store call.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// A fresh, unexpired entry for a hashed token.
    pub(crate) fn get(&self, hashed: &str) -> Option<(AdapterSession, AdapterUser)> {
        let (at, session, user) = self.entries.as_ref()?.get(hashed)?;
        let fresh = at.elapsed() < self.ttl && session.expires > OffsetDateTime::now_utc();
        if !fresh {
            self.remove(hashed);
            return None;
        }
        Some((session, user))
    }

    /// Remembers a store read that started at drop count `seen` (the session as read,
    /// expiring at `expires`); taken back out when anything was dropped since. Copies
    /// nothing when there is no cache.
    pub(crate) fn insert(
        &self,
        seen: u64,
        session: &AdapterSession,
        expires: OffsetDateTime,
        user: &AdapterUser,
    ) {
        if let Some(entries) = &self.entries {
            let fresh = AdapterSession {
                expires,
                ..session.clone()
            };
            entries.insert(
                session.session_token.clone(),
                (Instant::now(), fresh, user.clone()),
            );
            if self.epoch() != seen {
                entries.remove(&session.session_token);
            }
        }
    }

    /// Forgets a session (signed out, revoked, expired, or its user changed). Callers
    /// that delete it from the store call this before and again after the delete.
    pub(crate) fn remove(&self, hashed: &str) {
        if let Some(entries) = &self.entries {
            self.epoch.fetch_add(1, Ordering::SeqCst);
            entries.remove(hashed);
        }
    }
}
