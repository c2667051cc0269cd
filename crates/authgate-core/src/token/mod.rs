//! The JWT session payload ([`Token`]) and its cookie format.
//!
//! - `codec.rs`: [`TokenCodec`], one codec for every [`TokenFormat`].
//! - `jwe.rs`: the Auth.js-compatible encrypted tokens (the default).
//! - `jws.rs`: signed tokens, opt-in ([`JwsKey`]).
//! - `jose.rs`: what they share (claim rules, header, HKDF).
//! - `cache.rs`: verified tokens cached by cookie value.
//! - `shared.rs`: [`SharedToken`], the copy-on-write token the callbacks receive.

pub(crate) mod cache;
mod codec;
mod jose;
mod jwe;
mod jws;
mod shared;

pub use codec::{TokenCodec, TokenFormat};
pub use jose::CLOCK_TOLERANCE_SECS;
pub use jws::JwsKey;
pub use shared::SharedToken;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// The claims of a JWT session (Auth.js `token`): the standard fields plus the app's own.
///
/// ```
/// use authgate_core::Token;
/// let mut token = Token::default();
/// token.sub = Some("1".into());
/// token.insert("role", "admin").unwrap();
/// assert_eq!(token.get::<String>("role").as_deref(), Some("admin"));
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// Subject: the user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Issued at (unix seconds); set on every encode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expires at (unix seconds); set on every encode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Token id (UUID v4); set on every encode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Token {
    /// The claims, with token-like app claims (`access_token`, ...) redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("sub", &self.sub)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("picture", &self.picture)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("jti", &self.jti)
            .field("extra", &crate::redact::RedactedMap(&self.extra))
            .finish()
    }
}

impl Token {
    /// Reads an app claim as `T`; `None` when absent or of another shape.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.extra.get(key).and_then(|v| T::deserialize(v).ok())
    }

    /// Sets an app claim.
    pub fn insert<T: Serialize>(&mut self, key: impl Into<String>, value: T) -> Result<(), Error> {
        self.extra.insert(key.into(), serde_json::to_value(value)?);
        Ok(())
    }

    /// Removes an app claim, returning it.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.extra.remove(key)
    }

    /// The whole token as the app's own type (`Token` itself is just cloned).
    pub fn to_type<T: DeserializeOwned + 'static>(&self) -> Result<T, Error> {
        crate::session::convert(self.clone())
    }

    /// Builds a token from decoded claims.
    pub fn from_claims(claims: Map<String, Value>) -> Result<Self, Error> {
        Ok(serde_json::from_value(Value::Object(claims))?)
    }

    /// The claims as a JSON object.
    pub fn to_claims(&self) -> Result<Map<String, Value>, Error> {
        match serde_json::to_value(self)? {
            Value::Object(map) => Ok(map),
            _ => Err(Error::InvalidToken("token is not a JSON object")),
        }
    }
}

impl From<&crate::User> for Token {
    /// The token a sign-in starts from (Auth.js): `{name, email, picture, sub}`.
    fn from(user: &crate::User) -> Self {
        Self {
            sub: Some(user.id.clone()),
            name: user.name.clone(),
            email: user.email.clone(),
            picture: user.image.clone(),
            ..Self::default()
        }
    }
}
