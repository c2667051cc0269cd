//! Rate limit counts in the process: a bounded map of fixed windows.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Hit, RateLimitStore};
use crate::Error;

/// The overflow window of a kind of limit: new subjects of that kind share it while the
/// store is full of live windows (keys are `<kind>:<hash>`).
fn overflow_key(key: &str) -> String {
    let kind = key.split_once(':').map_or(key, |(kind, _)| kind);
    format!("~overflow:{kind}")
}

/// How often a full store looks for ended windows (a sweep reads every key).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Counts in this process (one app instance). Holds at most `capacity` keys (default
/// 100 000). When full, ended windows are swept (at most once a second); while it is
/// still full of live windows, new subjects share one overflow window per kind of limit
/// (kept apart from the bounded map) instead of evicting a live one: an attacker who
/// floods the store cannot reset the count of the user they guess at; new subjects of
/// that kind may then be limited together until windows end.
#[derive(Debug)]
pub struct MemoryRateLimitStore {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Debug)]
struct State {
    windows: HashMap<String, (u64, OffsetDateTime)>,
    /// One window per kind of limit, for new subjects while `windows` is full.
    overflow: HashMap<String, (u64, OffsetDateTime)>,
    last_sweep: Option<Instant>,
}

impl Default for MemoryRateLimitStore {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl MemoryRateLimitStore {
    /// An empty store for 100 000 keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store for `capacity` keys (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                windows: HashMap::new(),
                overflow: HashMap::new(),
                last_sweep: None,
            }),
            capacity: capacity.max(1),
        }
    }
}

fn hit_on(
    windows: &mut HashMap<String, (u64, OffsetDateTime)>,
    key: &str,
    window: Duration,
    now: OffsetDateTime,
) -> Hit {
    if let Some((count, ends)) = windows.get_mut(key) {
        if *ends > now {
            *count += 1;
            return Hit {
                count: *count,
                reset_in: (*ends - now).try_into().unwrap_or_default(),
            };
        }
    }
    // Windows are at most a year (checked at build): no overflow.
    let ends = now
        .checked_add(window.try_into().unwrap_or_default())
        .unwrap_or(now);
    windows.insert(key.to_owned(), (1, ends));
    Hit {
        count: 1,
        reset_in: window,
    }
}

#[async_trait]
impl RateLimitStore for MemoryRateLimitStore {
    async fn hit(&self, key: &str, window: Duration, now: OffsetDateTime) -> Result<Hit, Error> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let State {
            windows,
            overflow,
            last_sweep,
        } = &mut *state;
        if !windows.contains_key(key) && windows.len() >= self.capacity {
            if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
                windows.retain(|_, (_, ends)| *ends > now);
                overflow.retain(|_, (_, ends)| *ends > now);
                *last_sweep = Some(Instant::now());
            }
            if windows.len() >= self.capacity {
                tracing::warn!("the rate limit store is full: new subjects share a window");
                return Ok(hit_on(overflow, &overflow_key(key), window, now));
            }
        }
        Ok(hit_on(windows, key, window, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time")
    }

    #[tokio::test]
    async fn fixed_windows_count_and_reset() {
        let store = MemoryRateLimitStore::new();
        let w = Duration::from_secs(60);
        for n in 1..=3 {
            assert_eq!(store.hit("k", w, at(n)).await.unwrap().count, n as u64);
        }
        let hit = store.hit("k", w, at(30)).await.unwrap();
        assert_eq!((hit.count, hit.reset_in), (4, Duration::from_secs(31)));
        assert_eq!(store.hit("other", w, at(30)).await.unwrap().count, 1);
        // The window started at 1 s ends at 61 s.
        assert_eq!(store.hit("k", w, at(61)).await.unwrap().count, 1);
    }

    #[tokio::test]
    async fn a_full_store_never_evicts_a_live_window() {
        let store = MemoryRateLimitStore::with_capacity(3);
        let w = Duration::from_secs(60);
        for key in ["ip:victim", "ip:a", "ip:b"] {
            store.hit(key, w, at(0)).await.unwrap();
        }
        // Full: new keys share their kind's overflow window; the victim's count goes on.
        assert_eq!(store.hit("ip:c", w, at(1)).await.unwrap().count, 1);
        assert_eq!(store.hit("ip:d", w, at(1)).await.unwrap().count, 2);
        // Another kind of limit has its own overflow window.
        assert_eq!(store.hit("id:x", w, at(1)).await.unwrap().count, 1);
        assert_eq!(store.hit("ip:victim", w, at(2)).await.unwrap().count, 2);
        {
            let state = store.state.lock().unwrap();
            assert_eq!(state.windows.len(), 3);
            assert!(!state.windows.contains_key("ip:c"));
            assert_eq!(state.overflow.len(), 2);
        }
        // Once the windows end (and a second has passed since the last sweep), new keys
        // get their own windows again.
        std::thread::sleep(SWEEP_EVERY);
        assert_eq!(store.hit("ip:e", w, at(61)).await.unwrap().count, 1);
        assert!(store.state.lock().unwrap().windows.contains_key("ip:e"));
    }
}
