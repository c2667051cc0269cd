//! The time the engine reads for email sign-in links (their expiry): the system clock,
//! or one the app (a test) controls.

use std::sync::Arc;

use time::OffsetDateTime;

/// A source of the current time.
///
/// ```
/// use authgate_core::Clock;
///
/// let fixed = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
/// let clock = Clock::from_fn(move || fixed);
/// assert_eq!(clock.now(), fixed);
/// ```
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<dyn Fn() -> OffsetDateTime + Send + Sync>>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Clock(custom)"
        } else {
            "Clock(system)"
        })
    }
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that asks `now`.
    pub fn from_fn(now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(now)))
    }

    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        match &self.0 {
            Some(now) => now(),
            None => OffsetDateTime::now_utc(),
        }
    }
}
