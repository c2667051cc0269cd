//! A short in-process cache of database session reads (off unless the app sets a TTL):
//! keyed by the hashed token; dropped at once when this instance signs the session out
//! or revokes it.

use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use time::OffsetDateTime;

use crate::adapter::{AdapterSession, AdapterUser};

/// Cached session reads.
pub(crate) struct SessionCache {
    ttl: Duration,
    entries: Option<Cache<String, (Instant, AdapterSession, AdapterUser)>>,
}

impl SessionCache {
    /// A cache whose entries live `ttl` (zero: no cache).
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: (!ttl.is_zero()).then(|| Cache::new(10_000)),
        }
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

    /// Remembers a store read.
    pub(crate) fn insert(&self, session: &AdapterSession, user: &AdapterUser) {
        if let Some(entries) = &self.entries {
            entries.insert(
                session.session_token.clone(),
                (Instant::now(), session.clone(), user.clone()),
            );
        }
    }

    /// Forgets a session (signed out, revoked, expired, or its user changed).
    pub(crate) fn remove(&self, hashed: &str) {
        if let Some(entries) = &self.entries {
            entries.remove(hashed);
        }
    }
}
