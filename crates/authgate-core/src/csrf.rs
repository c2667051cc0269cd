//! The CSRF double-submit cookie: `token|hex(sha256(token ‖ secret))`.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Issues and checks CSRF tokens for one secret.
#[derive(Clone)]
pub(crate) struct CsrfGuard {
    secret: Vec<u8>,
}

impl std::fmt::Debug for CsrfGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfGuard { .. }")
    }
}

/// The CSRF state of one request.
#[derive(Debug)]
pub(crate) struct CsrfState {
    /// The token to hand out (`GET /csrf`, hidden form fields).
    pub(crate) token: String,
    /// The cookie value to set when the request carried no valid cookie.
    pub(crate) new_cookie: Option<String>,
    /// Whether the request proved knowledge of the cookie's token.
    pub(crate) verified: bool,
}

impl CsrfGuard {
    /// Auth.js hashes with the secret string; a list of secrets is joined with commas,
    /// as JavaScript's `String(array)` does.
    pub(crate) fn new(secrets: &[String]) -> Self {
        Self {
            secret: secrets.join(",").into_bytes(),
        }
    }

    /// `hex(SHA-256(token ‖ secret))`, as ASCII bytes (no `String`: this runs on every
    /// auth request).
    fn hash(&self, token: &str) -> [u8; 64] {
        let mut h = Sha256::new();
        h.update(token.as_bytes());
        h.update(&self.secret);
        let mut hex = [0u8; 64];
        // 32 bytes always fill 64 hex digits.
        let _ = hex::encode_to_slice(h.finalize(), &mut hex);
        hex
    }

    /// The cookie value for a token.
    pub(crate) fn cookie_value(&self, token: &str) -> String {
        let hash = self.hash(token);
        let mut value = String::with_capacity(token.len() + 1 + hash.len());
        value.push_str(token);
        value.push('|');
        value.extend(hash.iter().map(|&b| char::from(b)));
        value
    }

    /// Reads the cookie (reusing its token when its hash verifies) and, for a POST,
    /// compares the submitted token with it in constant time.
    pub(crate) fn check(
        &self,
        cookie: Option<&str>,
        submitted: Option<&str>,
        is_post: bool,
    ) -> CsrfState {
        let valid = cookie.and_then(|c| {
            let (token, hash) = c.split_once('|')?;
            let expected = self.hash(token);
            bool::from(expected.as_slice().ct_eq(hash.as_bytes())).then_some(token)
        });
        match valid {
            Some(token) => CsrfState {
                verified: is_post
                    && submitted.is_some_and(|s| bool::from(s.as_bytes().ct_eq(token.as_bytes()))),
                token: token.to_owned(),
                new_cookie: None,
            },
            None => {
                let mut bytes = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut bytes);
                let token = hex::encode(bytes);
                CsrfState {
                    new_cookie: Some(self.cookie_value(&token)),
                    token,
                    verified: false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "authgate-test-vector-secret-do-not-use-in-production";
    const TOKEN: &str = "9f2c6d1b3e8a4f7c0d5b2e9a1c4f7e3d8b6a0c2e5f9d1b4a7c3e6f0a2d5b8c1e";
    const COOKIE: &str = "9f2c6d1b3e8a4f7c0d5b2e9a1c4f7e3d8b6a0c2e5f9d1b4a7c3e6f0a2d5b8c1e|06ae43cae1c716232c1832fbbdfa2004f18a5f2ce756febf69bd43de05ec9c49";

    #[test]
    fn matches_the_authjs_vector() {
        let g = CsrfGuard::new(&[SECRET.to_owned()]);
        assert_eq!(g.cookie_value(TOKEN), COOKIE);
        let s = g.check(Some(COOKIE), Some(TOKEN), true);
        assert!(s.verified);
        assert!(s.new_cookie.is_none());
        assert_eq!(s.token, TOKEN);
    }

    #[test]
    fn rejects_mismatches() {
        let g = CsrfGuard::new(&[SECRET.to_owned()]);
        assert!(!g.check(Some(COOKIE), Some("x"), true).verified);
        assert!(!g.check(Some(COOKIE), None, true).verified);
        assert!(!g.check(Some(COOKIE), Some(TOKEN), false).verified);
        let forged = format!("{TOKEN}|{}", "0".repeat(64));
        let s = g.check(Some(&forged), Some(TOKEN), true);
        assert!(!s.verified);
        assert!(s.new_cookie.is_some());
        assert_ne!(s.token, TOKEN);
        let other = CsrfGuard::new(&["another-secret".to_owned()]);
        assert!(!other.check(Some(COOKIE), Some(TOKEN), true).verified);
    }
}
