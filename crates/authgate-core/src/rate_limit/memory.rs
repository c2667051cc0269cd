//! Rate limit counts in the process: a bounded map of fixed windows.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Hit, RateLimitStore};
use crate::Error;

/// Counts in this process (one app instance). Holds at most `capacity` keys (default
/// 100 000): when full, ended windows go first, then the window that ends soonest.
#[derive(Debug)]
pub struct MemoryRateLimitStore {
    windows: Mutex<HashMap<String, (u64, OffsetDateTime)>>,
    capacity: usize,
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
            windows: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }
}

#[async_trait]
impl RateLimitStore for MemoryRateLimitStore {
    async fn hit(&self, key: &str, window: Duration, now: OffsetDateTime) -> Result<Hit, Error> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((count, ends)) = windows.get_mut(key) {
            if *ends > now {
                *count += 1;
                return Ok(Hit {
                    count: *count,
                    reset_in: (*ends - now).try_into().unwrap_or_default(),
                });
            }
        }
        if windows.len() >= self.capacity && !windows.contains_key(key) {
            windows.retain(|_, (_, ends)| *ends > now);
            if windows.len() >= self.capacity {
                let soonest = windows
                    .iter()
                    .min_by_key(|(_, (_, ends))| *ends)
                    .map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    windows.remove(&k);
                }
            }
        }
        windows.insert(key.to_owned(), (1, now + window));
        Ok(Hit {
            count: 1,
            reset_in: window,
        })
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
    async fn stays_within_its_capacity() {
        let store = MemoryRateLimitStore::with_capacity(3);
        let w = Duration::from_secs(60);
        for (i, key) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            store.hit(key, w, at(i as i64)).await.unwrap();
        }
        let windows = store.windows.lock().unwrap();
        assert_eq!(windows.len(), 3);
        assert!(windows.contains_key("e") && !windows.contains_key("a"));
    }
}
