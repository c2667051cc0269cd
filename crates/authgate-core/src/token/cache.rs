//! Verified tokens, cached by their exact cookie value, so a session read usually skips
//! the decryption.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::{jose::CLOCK_TOLERANCE_SECS, Token, TokenCodec};
use crate::Error;

/// A bounded cache of verified tokens, one per scheme (`[http, https]`: the cookies and
/// keys differ). `exp` is re-checked on every hit.
pub(crate) struct TokenCache {
    caches: Option<[Cache<String, Arc<Token>>; 2]>,
}

impl TokenCache {
    /// A cache of `capacity` tokens per scheme; 0 turns caching off.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            caches: (capacity > 0).then(|| [Cache::new(capacity), Cache::new(capacity)]),
        }
    }

    fn cache(&self, secure: bool) -> Option<&Cache<String, Arc<Token>>> {
        self.caches.as_ref().map(|c| &c[usize::from(secure)])
    }

    /// Decodes a cookie value with `codec`, through the cache.
    pub(crate) fn decode(
        &self,
        codec: &TokenCodec,
        secure: bool,
        value: &str,
    ) -> Result<Arc<Token>, Error> {
        let cache = self.cache(secure);
        if let Some(hit) = cache.and_then(|c| c.get(value)) {
            let now = crate::time_now();
            return match hit.exp {
                Some(exp) if exp <= now - CLOCK_TOLERANCE_SECS => {
                    if let Some(c) = cache {
                        c.remove(value);
                    }
                    Err(Error::TokenExpired)
                }
                _ => Ok(hit),
            };
        }
        let claims = codec.decode(value)?;
        let token = Arc::new(Token::from_claims(claims)?);
        if let Some(c) = cache {
            c.insert(value.to_owned(), Arc::clone(&token));
        }
        Ok(token)
    }

    /// Remembers a token authgate just encoded as `value`.
    pub(crate) fn insert(&self, secure: bool, value: String, token: Arc<Token>) {
        if let Some(c) = self.cache(secure) {
            c.insert(value, token);
        }
    }
}
