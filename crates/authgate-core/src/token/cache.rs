//! Verified tokens, cached by their exact cookie value, so a session read usually skips
//! the decryption. Bounded by bytes, not entries: every `GET /session` mints a new
//! token, and a session can be large.

use std::{
    hash::{Hash, Hasher},
    sync::Arc,
};

use quick_cache::{sync::Cache, DefaultHashBuilder, Equivalent, OptionsBuilder, Weighter};

use super::{jose::CLOCK_TOLERANCE_SECS, Token, TokenCodec};
use crate::Error;

/// What an entry costs: the cookie value (the key) and the decoded token, estimated at
/// the value's size (its claims are about three quarters of it, plus the map's
/// overhead), and a fixed part for the entry itself.
#[derive(Clone, Copy, Debug, Default)]
struct TokenBytes;

/// The fixed cost of an entry (`Arc`, `Token` fields, the cache's own slot).
const ENTRY_OVERHEAD: u64 = 256;

impl Weighter<TokenKey, Arc<Token>> for TokenBytes {
    fn weight(&self, key: &TokenKey, _val: &Arc<Token>) -> u64 {
        2 * key.0.len() as u64 + ENTRY_OVERHEAD
    }
}

/// How many bytes from the end of a cookie value are hashed.
const HASHED_TAIL: usize = 64;

/// A cached cookie value. Keys are compared whole, but only their length and last
/// [`HASHED_TAIL`] bytes are hashed: every token format ends with its authentication tag
/// or signature (for the default JWE, 43 characters of HMAC output), which already
/// tells tokens apart, so a lookup does not hash the whole (~700-byte) value. Only
/// verified tokens are inserted, and one cannot forge tags to pile entries into a bucket.
#[derive(Debug, PartialEq, Eq)]
struct TokenKey(Box<[u8]>);

/// A cookie value looked up without copying it into a [`TokenKey`]: its parts in order
/// (the chunks of a chunked session cookie, not joined; one part otherwise).
struct TokenKeyRef<'a> {
    parts: &'a [&'a [u8]],
    len: usize,
}

impl<'a> TokenKeyRef<'a> {
    fn new(parts: &'a [&'a [u8]]) -> Self {
        let len = parts.iter().map(|p| p.len()).sum();
        Self { parts, len }
    }
}

fn hash_tail<H: Hasher>(value: &[u8], state: &mut H) {
    state.write_usize(value.len());
    state.write(&value[value.len().saturating_sub(HASHED_TAIL)..]);
}

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_tail(&self.0, state);
    }
}

impl Hash for TokenKeyRef<'_> {
    /// The same hash as the joined value's [`TokenKey`]: its length, then its last
    /// [`HASHED_TAIL`] bytes in one write (hashers are not bound to give the same
    /// result for a value written in pieces).
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.parts {
            [] => hash_tail(&[], state),
            [.., last] if last.len() >= HASHED_TAIL || self.parts.len() == 1 => {
                state.write_usize(self.len);
                state.write(&last[last.len().saturating_sub(HASHED_TAIL)..]);
            }
            parts => {
                // A last chunk shorter than the tail: gather the tail from the end.
                let mut tail = [0u8; HASHED_TAIL];
                let mut at = HASHED_TAIL.min(self.len);
                for part in parts.iter().rev() {
                    let take = part.len().min(at);
                    tail[at - take..at].copy_from_slice(&part[part.len() - take..]);
                    at -= take;
                    if at == 0 {
                        break;
                    }
                }
                let n = HASHED_TAIL.min(self.len);
                state.write_usize(self.len);
                state.write(&tail[..n]);
            }
        }
    }
}

impl Equivalent<TokenKey> for TokenKeyRef<'_> {
    fn equivalent(&self, key: &TokenKey) -> bool {
        if self.len != key.0.len() {
            return false;
        }
        let mut rest: &[u8] = &key.0;
        for part in self.parts {
            let Some((head, tail)) = rest.split_at_checked(part.len()) else {
                return false;
            };
            if head != *part {
                return false;
            }
            rest = tail;
        }
        true
    }
}

type Inner = Cache<TokenKey, Arc<Token>, TokenBytes>;

/// At most this many shards (quick_cache would use 4 per core).
const MAX_SHARDS: u64 = 64;

/// A cache of verified tokens, one per scheme (`[http, https]`: the cookies and keys
/// differ), each bounded by `budget / 2` bytes (estimated). `exp` is re-checked on every
/// hit. Tokens longer than `max_value` (a foreign token over the issued-token cap) are
/// decoded but never cached.
pub(crate) struct TokenCache {
    caches: Option<[Inner; 2]>,
    max_value: usize,
}

impl TokenCache {
    /// A cache of `budget` bytes (both schemes together), sized for about `capacity`
    /// tokens; 0 for either turns caching off.
    pub(crate) fn new(capacity: usize, budget: usize, max_value: usize) -> Self {
        let per_scheme = (budget / 2) as u64;
        let items = capacity.div_ceil(2).max(1);
        // A shard refuses an entry heavier than its share of the budget: few enough
        // shards that each holds at least two of the largest entries cached, whatever
        // the number of cores.
        let largest = 2 * max_value as u64 + ENTRY_OVERHEAD;
        let shards = (per_scheme / (2 * largest)).clamp(1, MAX_SHARDS);
        let shards = 1u64 << shards.ilog2();
        let make = || -> Option<Inner> {
            let options = OptionsBuilder::new()
                .estimated_items_capacity(items)
                .weight_capacity(per_scheme)
                .shards(usize::try_from(shards).unwrap_or(1))
                .build()
                .ok()?;
            Some(Cache::with_options(
                options,
                TokenBytes,
                DefaultHashBuilder::default(),
                Default::default(),
            ))
        };
        let caches = (capacity > 0 && budget > 0)
            .then(|| Some([make()?, make()?]))
            .flatten();
        Self { caches, max_value }
    }

    fn cache(&self, secure: bool) -> Option<&Inner> {
        self.caches.as_ref().map(|c| &c[usize::from(secure)])
    }

    /// The estimated bytes held (both schemes).
    pub(crate) fn weight(&self) -> u64 {
        self.caches
            .as_ref()
            .map_or(0, |c| c[0].weight() + c[1].weight())
    }

    /// The cached token for a cookie value given in parts (joined, they are the value),
    /// if there is one: `Some(Err(TokenExpired))` when its `exp` has passed at `now` (the
    /// entry is then dropped).
    pub(crate) fn lookup(
        &self,
        secure: bool,
        parts: &[&[u8]],
        now: i64,
    ) -> Option<Result<Arc<Token>, Error>> {
        let cache = self.cache(secure)?;
        let key = TokenKeyRef::new(parts);
        let hit = cache.get(&key)?;
        Some(match hit.exp {
            Some(exp) if exp <= now - CLOCK_TOLERANCE_SECS => {
                cache.remove(&key);
                Err(Error::TokenExpired)
            }
            _ => Ok(hit),
        })
    }

    /// Decodes a cookie value with `codec`, through the cache (`exp` checked at `now`).
    pub(crate) fn decode(
        &self,
        codec: &TokenCodec,
        secure: bool,
        value: &str,
        now: i64,
    ) -> Result<Arc<Token>, Error> {
        if let Some(hit) = self.lookup(secure, &[value.as_bytes()], now) {
            return hit;
        }
        let token = Arc::new(codec.decode_token_at(value, now)?);
        self.insert(secure, value.to_owned(), Arc::clone(&token));
        Ok(token)
    }

    /// Remembers a verified token (one authgate just encoded, or decoded) as `value`,
    /// unless it is over the issued-token cap.
    pub(crate) fn insert(&self, secure: bool, value: String, token: Arc<Token>) {
        if value.len() > self.max_value {
            return;
        }
        if let Some(c) = self.cache(secure) {
            c.insert(TokenKey(value.into_bytes().into_boxed_slice()), token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Arc<Token> {
        Arc::new(Token::default())
    }

    #[test]
    fn stays_within_its_byte_budget() {
        let budget = 1024 * 1024;
        let cache = TokenCache::new(10_000, budget, 16 * 1024);
        for i in 0..2_000 {
            // 14 kB values: 2,000 of them would be ~56 MB. They differ at the end, as
            // tokens do (their tags), since only the tail is hashed.
            let value = format!("{}{i:06}", "x".repeat(14_000));
            cache.insert(false, value, token());
        }
        assert!(
            cache.weight() <= budget as u64,
            "{} > {budget}",
            cache.weight()
        );
        assert!(
            cache.weight() > budget as u64 / 4,
            "it does cache: {}",
            cache.weight()
        );
    }

    #[test]
    fn values_over_the_cap_are_never_cached() {
        let cache = TokenCache::new(100, 1024 * 1024, 1000);
        cache.insert(false, "y".repeat(1001), token());
        assert_eq!(cache.weight(), 0);
        cache.insert(true, "y".repeat(1000), token());
        assert_eq!(cache.weight(), 2 * 1000 + ENTRY_OVERHEAD);
    }

    #[test]
    fn keys_with_the_same_tail_are_told_apart() {
        let cache = TokenCache::new(100, 1024 * 1024, 1000);
        let tail = "t".repeat(HASHED_TAIL);
        let (a, b) = (format!("a{tail}"), format!("b{tail}"));
        let named = |name: &str| {
            Arc::new(Token {
                name: Some(name.into()),
                ..Token::default()
            })
        };
        cache.insert(false, a.clone(), named("a"));
        assert!(cache.lookup(false, &[b.as_bytes()], 0).is_none());
        cache.insert(false, b.clone(), named("b"));
        let got = |v: &str| {
            cache
                .lookup(false, &[v.as_bytes()], 0)
                .unwrap()
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(got(&a).as_deref(), Some("a"));
        assert_eq!(got(&b).as_deref(), Some("b"));
        assert!(
            cache.lookup(true, &[a.as_bytes()], 0).is_none(),
            "per scheme"
        );
    }

    #[test]
    fn a_value_in_parts_finds_the_joined_key() {
        let cache = TokenCache::new(100, 1024 * 1024, 1000);
        let value: String = (0..300)
            .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
            .collect();
        cache.insert(false, value.clone(), token());
        let bytes = value.as_bytes();
        // Every split in two and three, including inside the hashed tail and empty parts.
        for i in 0..=bytes.len() {
            let (a, b) = bytes.split_at(i);
            assert!(cache.lookup(false, &[a, b], 0).is_some(), "split at {i}");
            for j in (i..=bytes.len()).step_by(37) {
                let (b, c) = bytes[i..].split_at(j - i);
                assert!(cache.lookup(false, &[a, b, c], 0).is_some(), "{i}, {j}");
            }
        }
        // Same length, one byte different in any part: a miss.
        for i in [0, 150, 299] {
            let mut other = bytes.to_vec();
            other[i] = b'#';
            let (a, b) = other.split_at(100);
            assert!(cache.lookup(false, &[a, b], 0).is_none(), "changed at {i}");
        }
        assert!(
            cache.lookup(false, &[&bytes[..299]], 0).is_none(),
            "shorter"
        );
        assert!(cache.lookup(false, &[bytes, b"x"], 0).is_none(), "longer");
    }

    #[test]
    fn an_expired_hit_is_dropped() {
        let cache = TokenCache::new(100, 1024 * 1024, 1000);
        let token = Arc::new(Token {
            exp: Some(1_000),
            ..Token::default()
        });
        cache.insert(false, "v".into(), token);
        assert!(
            cache.lookup(false, &[b"v"], 1_000).unwrap().is_ok(),
            "within the tolerance"
        );
        let late = 1_000 + CLOCK_TOLERANCE_SECS;
        assert!(matches!(
            cache.lookup(false, &[b"v"], late),
            Some(Err(Error::TokenExpired))
        ));
        assert!(cache.lookup(false, &[b"v"], 0).is_none(), "dropped");
    }

    #[test]
    fn zero_turns_it_off() {
        let cache = TokenCache::new(0, 1024, 1000);
        cache.insert(false, "z".into(), token());
        assert_eq!(cache.weight(), 0);
        let cache = TokenCache::new(10, 0, 1000);
        cache.insert(false, "z".into(), token());
        assert_eq!(cache.weight(), 0);
    }
}
