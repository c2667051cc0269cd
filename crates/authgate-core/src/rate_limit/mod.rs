//! Rate limits on sign-in (beyond Auth.js, which has none): per address and per client
//! IP on `POST /signin/<email>`, per identifier and per client IP on credentials
//! sign-in. Counts live in a [`RateLimitStore`]: [`MemoryRateLimitStore`] in the
//! process, or a shared one (`authgate-redis`) so several app instances share the
//! limits. Off unless the app sets them.
//!
//! An over-limit request does nothing (no email, no `authorize`), logs a `warn`, and is
//! answered with `error=RateLimited` (`429` with `Retry-After` to JSON clients).
//!
//! ```
//! use std::time::Duration;
//! use authgate_core::rate_limit::{MemoryRateLimitStore, RateLimits};
//!
//! let limits = RateLimits::new(MemoryRateLimitStore::new())
//!     .email_per_address(3, Duration::from_secs(600))
//!     .email_per_ip(60, Duration::from_secs(60));
//! ```

mod client_ip;
mod memory;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub(crate) use client_ip::{client_ip, ip_bucket};
pub use client_ip::{PeerAddr, TrustedProxies};
pub use memory::MemoryRateLimitStore;

use crate::Error;

/// At most `max` attempts per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed in one window.
    pub max: u64,
    /// The window, which starts at the first attempt.
    pub window: Duration,
}

/// One counted attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Attempts in the current window, this one included.
    pub count: u64,
    /// Time left in the current window.
    pub reset_in: Duration,
}

/// Where attempts are counted: fixed windows that start at a key's first attempt.
#[async_trait]
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one attempt under `key`; a key whose window has ended starts a new one of
    /// `window`. `now` is the engine's clock (a shared store may use its own).
    async fn hit(&self, key: &str, window: Duration, now: OffsetDateTime) -> Result<Hit, Error>;
}

/// The app's rate limits and their store.
#[derive(Clone)]
pub struct RateLimits {
    store: Arc<dyn RateLimitStore>,
    pub(crate) email_per_address: Option<RateLimit>,
    pub(crate) email_per_ip: Option<RateLimit>,
    pub(crate) credentials_per_identifier: Option<(String, RateLimit)>,
    pub(crate) credentials_per_ip: Option<RateLimit>,
    pub(crate) proxies: TrustedProxies,
    /// Whether the "no peer address" warning was logged.
    pub(crate) warned_no_peer: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("email_per_address", &self.email_per_address)
            .field("email_per_ip", &self.email_per_ip)
            .field(
                "credentials_per_identifier",
                &self.credentials_per_identifier,
            )
            .field("credentials_per_ip", &self.credentials_per_ip)
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

/// What a limit is about (part of its key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    EmailAddress,
    EmailIp,
    CredentialsIdentifier,
    CredentialsIp,
}

impl Subject {
    fn tag(self) -> &'static str {
        match self {
            Self::EmailAddress => "email-address",
            Self::EmailIp => "email-ip",
            Self::CredentialsIdentifier => "credentials-identifier",
            Self::CredentialsIp => "credentials-ip",
        }
    }
}

impl RateLimits {
    /// No limits yet, counted in `store`.
    pub fn new(store: impl RateLimitStore) -> Self {
        Self::with_store(Arc::new(store))
    }

    /// As [`RateLimits::new`], with a shared store.
    pub fn with_store(store: Arc<dyn RateLimitStore>) -> Self {
        Self {
            store,
            email_per_address: None,
            email_per_ip: None,
            credentials_per_identifier: None,
            credentials_per_ip: None,
            proxies: TrustedProxies::none(),
            warned_no_peer: Arc::default(),
        }
    }

    /// At most `max` sign-in emails per address per `window`.
    #[must_use]
    pub fn email_per_address(mut self, max: u64, window: Duration) -> Self {
        self.email_per_address = Some(RateLimit { max, window });
        self
    }

    /// At most `max` email sign-in requests per client IP per `window` (IPv6 clients
    /// count per /64). Needs the peer address: actix always has it; on axum, serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()` (without it the per-IP
    /// limits are skipped, with a warning).
    #[must_use]
    pub fn email_per_ip(mut self, max: u64, window: Duration) -> Self {
        self.email_per_ip = Some(RateLimit { max, window });
        self
    }

    /// At most `max` credentials sign-ins per value of the posted `field` (e.g.
    /// `username`; NFKC, trimmed and lowercased) per `window`. Every attempt counts,
    /// successful ones too, and an over-limit attempt is refused even with the right
    /// password: anyone can lock a named user out for a window, the price of stopping
    /// password guessing on that user. Pair it with a higher per-IP limit.
    #[must_use]
    pub fn credentials_per_identifier(
        mut self,
        field: impl Into<String>,
        max: u64,
        window: Duration,
    ) -> Self {
        self.credentials_per_identifier = Some((field.into(), RateLimit { max, window }));
        self
    }

    /// At most `max` credentials sign-ins per client IP per `window` (IPv6 clients count
    /// per /64; the peer address is needed as for [`RateLimits::email_per_ip`]).
    #[must_use]
    pub fn credentials_per_ip(mut self, max: u64, window: Duration) -> Self {
        self.credentials_per_ip = Some(RateLimit { max, window });
        self
    }

    /// The proxies whose `X-Forwarded-For` is believed (default: none; the client IP
    /// is the connection's peer address).
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// Checks the limits (at config build): windows between 1 ms and 1 year, maxima
    /// above 0, an identifier field that is not empty.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        const MAX_WINDOW: Duration = Duration::from_secs(365 * 24 * 3600);
        let limits = [
            ("email_per_address", self.email_per_address),
            ("email_per_ip", self.email_per_ip),
            (
                "credentials_per_identifier",
                self.credentials_per_identifier.as_ref().map(|(_, l)| *l),
            ),
            ("credentials_per_ip", self.credentials_per_ip),
        ];
        for (name, limit) in limits {
            let Some(limit) = limit else { continue };
            if limit.max == 0
                || limit.window < Duration::from_millis(1)
                || limit.window > MAX_WINDOW
            {
                return Err(Error::Config(format!(
                    "rate limit {name}: max must be at least 1 and the window between 1 ms and 1 year"
                )));
            }
        }
        if self
            .credentials_per_identifier
            .as_ref()
            .is_some_and(|(field, _)| field.is_empty())
        {
            return Err(Error::Config(
                "rate limit credentials_per_identifier: the field name is empty".into(),
            ));
        }
        Ok(())
    }

    /// Counts an attempt on `subject` = `value`; `Err(retry_after)` when over the limit.
    /// A store that fails lets the attempt through (logged): limits never lock everyone
    /// out.
    pub(crate) async fn check(
        &self,
        subject: Subject,
        value: &str,
        limit: RateLimit,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        // Hashed: the store never holds addresses or usernames.
        let digest = Sha256::digest(value.as_bytes());
        let key = format!("{}:{}", subject.tag(), hex::encode(&digest[..16]));
        match self.store.hit(&key, limit.window, now).await {
            Ok(hit) if hit.count > limit.max => {
                tracing::warn!(
                    limit = subject.tag(),
                    count = hit.count,
                    max = limit.max,
                    "RateLimited: over the limit, the request does nothing"
                );
                Err(hit.reset_in)
            }
            Ok(_) => Ok(()),
            Err(err) => {
                tracing::error!(error = %err, limit = subject.tag(), "rate limit store failed; attempt allowed");
                Ok(())
            }
        }
    }
}
