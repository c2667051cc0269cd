//! The JWT session payload ([`Token`]) and its cookie format.
//!
//! - `codec.rs`: [`TokenCodec`], one codec for every [`TokenFormat`].
//! - `jwe.rs`: the Auth.js-compatible encrypted tokens (the default).
//! - `jws.rs`: signed tokens, opt-in ([`JwsKey`]).
//! - `jose.rs`: what they share (claim rules, header, HKDF).
//! - `cache.rs`: verified tokens cached by cookie value.
//! - `shared.rs`: [`SharedToken`], the copy-on-write token the callbacks receive.

pub(crate) mod cache;
mod claims;
mod codec;
mod jose;
mod jwe;
mod jws;
mod shared;

pub use codec::{TokenCodec, TokenFormat};
pub use jose::CLOCK_TOLERANCE_SECS;
pub use jws::JwsKey;
pub use shared::SharedToken;

use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};
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
#[derive(Clone, Default, PartialEq, Serialize)]
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

/// Read field by field: the standard claims into their fields, every other one into
/// `extra` (what `#[serde(flatten)]` does, without buffering the whole object first; a
/// session read that misses the cache parses the claims straight into a `Token`). A
/// standard claim that is `null` is absent; one given twice keeps the last value.
impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A claim name: a standard one (matched without allocating) or another.
        enum Key {
            Sub,
            Name,
            Email,
            Picture,
            Iat,
            Exp,
            Jti,
            Other(String),
        }

        impl Key {
            fn of(name: &str) -> Option<Self> {
                Some(match name {
                    "sub" => Self::Sub,
                    "name" => Self::Name,
                    "email" => Self::Email,
                    "picture" => Self::Picture,
                    "iat" => Self::Iat,
                    "exp" => Self::Exp,
                    "jti" => Self::Jti,
                    _ => return None,
                })
            }
        }

        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct KeyVisitor;
                impl serde::de::Visitor<'_> for KeyVisitor {
                    type Value = Key;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a claim name")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                        Ok(Key::of(v).unwrap_or_else(|| Key::Other(v.to_owned())))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key, E> {
                        Ok(Key::of(&v).unwrap_or(Key::Other(v)))
                    }
                }
                deserializer.deserialize_str(KeyVisitor)
            }
        }

        struct Claims;

        impl<'de> serde::de::Visitor<'de> for Claims {
            type Value = Token;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Token, A::Error> {
                let mut token = Token::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Sub => token.sub = map.next_value()?,
                        Key::Name => token.name = map.next_value()?,
                        Key::Email => token.email = map.next_value()?,
                        Key::Picture => token.picture = map.next_value()?,
                        Key::Iat => token.iat = map.next_value()?,
                        Key::Exp => token.exp = map.next_value()?,
                        Key::Jti => token.jti = map.next_value()?,
                        Key::Other(name) => {
                            let value = map.next_value()?;
                            token.extra.insert(name, value);
                        }
                    }
                }
                Ok(token)
            }
        }

        deserializer.deserialize_map(Claims)
    }
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
