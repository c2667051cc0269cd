//! [`TokenCodec`]: one value that encodes and decodes session tokens of every
//! [`TokenFormat`], so the engine never needs to know which one is configured.

use std::fmt;

use serde_json::{Map, Value};

use super::jose::{claims_at, token_at, Scratch};
use super::jwe::{JweCodec, JweFlavour};
use super::jws::{JwsCodec, JwsKey};
use super::Token;
use crate::Error;

/// What a session token is: an Auth.js JWE (the default) or, opt-in, a signed JWT.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenFormat {
    /// Auth.js v5 (`@auth/core`): JWE `dir` + `A256CBC-HS512` with a `kid` header; HKDF
    /// info `Auth.js Generated Encryption Key (<salt>)`, where the salt is the cookie name.
    #[default]
    AuthJsV5,
    /// NextAuth.js v4: JWE `dir` + `A256GCM` without `kid`; HKDF info
    /// `NextAuth.js Generated Encryption Key` (the v4 session cookie uses an empty salt).
    NextAuthV4,
    /// A signed JWT (compact JWS) with the given key and algorithm, for apps whose other
    /// services verify the session themselves (see [`JwsKey`]).
    ///
    /// Its claims are **readable** by whoever holds the cookie (base64url, not
    /// encrypted): keep provider tokens (access, refresh and id tokens) and anything
    /// secret out of the token. A codec of this format reads only JWS, and a JWE codec
    /// never reads a JWS: there is no fallback from one format to the other.
    Jws(JwsKey),
}

/// Encodes and decodes session tokens: the Auth.js-compatible JWE (compact JWE,
/// `alg: "dir"`) or, with [`TokenFormat::Jws`], a signed JWT.
///
/// Holds the keys derived or parsed once, in [`TokenCodec::new`]; cloning is cheap (the
/// keys are shared). `AuthConfig::token_codec` gives the codec of the session cookie,
/// to read it outside the integrations.
///
/// ```
/// use authgate_core::{JwsKey, TokenCodec, TokenFormat};
/// let secrets = ["a-long-random-secret-from-openssl-rand-base64-32"];
/// let jwe = TokenCodec::new(TokenFormat::AuthJsV5, &secrets, "authjs.session-token")?;
/// let jws = TokenCodec::new(TokenFormat::Jws(JwsKey::hs256()), &secrets, "authjs.session-token")?;
/// let claims = serde_json::json!({"sub": "1", "exp": 4_102_444_800_i64}); // 2100-01-01
/// let claims = claims.as_object().cloned().unwrap_or_default();
/// let (sealed, signed) = (jwe.encode(&claims)?, jws.encode(&claims)?);
/// assert_eq!((sealed.split('.').count(), signed.split('.').count()), (5, 3));
/// assert_eq!(jws.decode(&signed)?, claims);
/// // No fallback: each codec reads its own format only.
/// assert!(jwe.decode(&signed).is_err() && jws.decode(&sealed).is_err());
/// # Ok::<(), authgate_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TokenCodec {
    format: TokenFormat,
    salt: String,
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Jwe(JweCodec),
    Jws(JwsCodec),
}

impl fmt::Debug for TokenCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCodec")
            .field("format", &self.format)
            .field("salt", &self.salt)
            .finish_non_exhaustive()
    }
}

impl TokenCodec {
    /// Derives or parses the keys of `format`.
    ///
    /// `salt` is the HKDF salt: the session cookie's name for Auth.js v5 and the JWS
    /// (for example `authjs.session-token` or `__Secure-authjs.session-token`), the
    /// empty string for a NextAuth.js v4 session cookie. Tokens are encoded with the
    /// first secret; the others are accepted when decoding, for rotation.
    ///
    /// [`TokenFormat::Jws`] with [`JwsKey::hs256`] derives its keys from the secrets
    /// and the salt; with an RS256 or EdDSA key the secrets and the salt are unused.
    ///
    /// # Errors
    /// [`Error::Config`] if `secrets` is empty or any secret is empty (the formats that
    /// use them), or a JWS key is not valid.
    pub fn new<S: AsRef<[u8]>>(
        format: TokenFormat,
        secrets: &[S],
        salt: &str,
    ) -> Result<Self, Error> {
        let inner = match &format {
            TokenFormat::AuthJsV5 => {
                Inner::Jwe(JweCodec::new(JweFlavour::AuthJsV5, secrets, salt)?)
            }
            TokenFormat::NextAuthV4 => {
                Inner::Jwe(JweCodec::new(JweFlavour::NextAuthV4, secrets, salt)?)
            }
            TokenFormat::Jws(key) => Inner::Jws(JwsCodec::new(key, secrets, salt)?),
        };
        Ok(Self {
            format,
            salt: salt.to_owned(),
            inner,
        })
    }

    /// The token format this codec writes (and the only one it reads).
    pub fn format(&self) -> &TokenFormat {
        &self.format
    }

    /// The HKDF salt (cookie name) the keys were derived with.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// Encodes exactly these claims (the caller sets iat/exp/jti).
    ///
    /// Uses the first secret: `A256CBC-HS512` with a `kid` for
    /// [`TokenFormat::AuthJsV5`], `A256GCM` without `kid` for [`TokenFormat::NextAuthV4`];
    /// a JWS signed with the signing key for [`TokenFormat::Jws`].
    ///
    /// # Errors
    /// Fails only if the claims cannot be serialized or encryption (signing) fails.
    pub fn encode(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        self.encode_json(claims)
    }

    /// Encodes a [`Token`] as [`TokenCodec::encode`] encodes its claims, serializing it
    /// straight to JSON (no intermediate map).
    ///
    /// ```
    /// use authgate_core::{Token, TokenCodec, TokenFormat};
    /// let codec = TokenCodec::new(TokenFormat::AuthJsV5, &["a-long-secret"], "authjs.session-token")?;
    /// let token = Token { sub: Some("1".into()), exp: Some(4_102_444_800), ..Token::default() };
    /// let cookie = codec.encode_token(&token)?;
    /// assert_eq!(codec.decode_token(&cookie)?, token);
    /// # Ok::<(), authgate_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`TokenCodec::encode`].
    pub fn encode_token(&self, token: &Token) -> Result<String, Error> {
        // An app claim named like a standard one would be written twice: go through the
        // map, where the app claim wins (as it always has).
        const STANDARD: [&str; 7] = ["sub", "name", "email", "picture", "iat", "exp", "jti"];
        if STANDARD.iter().any(|k| token.extra.contains_key(*k)) {
            return self.encode(&token.to_claims()?);
        }
        let json = crate::json_out::token(token)
            .map_err(|_| Error::InvalidToken("claims could not be serialized"))?;
        self.encode_bytes(json)
    }

    fn encode_json<T: serde::Serialize + ?Sized>(&self, claims: &T) -> Result<String, Error> {
        let json = serde_json::to_vec(claims)
            .map_err(|_| Error::InvalidToken("claims could not be serialized"))?;
        self.encode_bytes(json)
    }

    /// Encrypts (signs) a claims JSON.
    fn encode_bytes(&self, json: Vec<u8>) -> Result<String, Error> {
        match &self.inner {
            Inner::Jwe(c) => c.encode(json),
            Inner::Jws(c) => c.encode(&json),
        }
    }

    /// Decrypts (verifies) and checks exp/nbf against the system clock.
    ///
    /// # Errors
    /// [`Error::TokenExpired`] if `exp` has passed (beyond the 15 s tolerance),
    /// [`Error::InvalidToken`] for anything else wrong with the token, including a
    /// token of another format.
    pub fn decode(&self, token: &str) -> Result<Map<String, Value>, Error> {
        self.decode_at(token, crate::time_now())
    }

    /// Same with an explicit "now" (unix seconds), for tests.
    ///
    /// # Errors
    /// As [`TokenCodec::decode`].
    pub fn decode_at(&self, token: &str, now: i64) -> Result<Map<String, Value>, Error> {
        claims_at(self.open(token, &mut Scratch::new())?, now)
    }

    /// Decrypts (verifies) straight into a [`Token`] (no intermediate map) and checks
    /// exp/nbf against the system clock.
    ///
    /// # Errors
    /// As [`TokenCodec::decode`]; also [`Error::InvalidToken`] for claims a `Token`
    /// cannot hold (a standard claim of another type, such as a fractional `exp`).
    pub fn decode_token(&self, token: &str) -> Result<Token, Error> {
        self.decode_token_at(token, crate::time_now())
    }

    /// Same with an explicit "now" (unix seconds).
    ///
    /// # Errors
    /// As [`TokenCodec::decode_token`].
    pub fn decode_token_at(&self, token: &str, now: i64) -> Result<Token, Error> {
        token_at(self.open(token, &mut Scratch::new())?, now)
    }

    /// The claims JSON inside a token (in `scratch`), authenticated, not yet parsed or
    /// checked.
    fn open<'s>(&self, token: &str, scratch: &'s mut Scratch) -> Result<&'s [u8], Error> {
        match &self.inner {
            Inner::Jwe(c) => c.open(token, scratch),
            Inner::Jws(c) => c.open(token, scratch),
        }
    }

    /// The JWE codec inside, for the tests of `jwe.rs`.
    #[cfg(test)]
    pub(super) fn as_jwe(&self) -> &JweCodec {
        match &self.inner {
            Inner::Jwe(c) => c,
            Inner::Jws(_) => panic!("not a JWE codec"),
        }
    }

    /// The JWS codec inside, for the tests of `jws.rs`.
    #[cfg(test)]
    pub(super) fn as_jws(&self) -> &JwsCodec {
        match &self.inner {
            Inner::Jws(c) => c,
            Inner::Jwe(_) => panic!("not a JWS codec"),
        }
    }
}
