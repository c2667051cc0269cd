//! [`SharedToken`]: the token the callbacks receive, shared with the token cache and
//! copied only when a callback changes it.

use std::{ops::Deref, ops::DerefMut, sync::Arc};

use serde::{Deserialize, Serialize};

use super::Token;

/// A [`Token`] that is shared until it is changed (copy on write).
///
/// `jwt` and `session` run on every session read. They receive the decoded token as a
/// `SharedToken`, which points at the verified token in the cache: a callback that only
/// reads it copies nothing, and the first change (any `&mut` access: a field write,
/// [`Token::insert`], ...) copies it. It derefs to [`Token`], so callbacks read and write
/// it like one; `Token::into()` makes one, [`SharedToken::into_inner`] takes the token
/// out.
///
/// ```
/// use authgate_core::{SharedToken, Token};
///
/// let mut token = SharedToken::from(Token::default());
/// token.sub = Some("1".into());
/// token.insert("role", "admin").unwrap();
/// assert_eq!(token.get::<String>("role").as_deref(), Some("admin"));
/// let token: Token = token.into_inner();
/// assert_eq!(token.sub.as_deref(), Some("1"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct SharedToken(Arc<Token>);

impl SharedToken {
    /// The token, copied only when it is still shared.
    pub fn into_inner(self) -> Token {
        Arc::unwrap_or_clone(self.0)
    }

    /// Whether `self` is still the very token `other` holds (no change was made).
    pub(crate) fn is(&self, other: &Arc<Token>) -> bool {
        Arc::ptr_eq(&self.0, other)
    }

    /// The shared token, without a copy.
    pub(crate) fn into_arc(self) -> Arc<Token> {
        self.0
    }
}

impl From<Token> for SharedToken {
    fn from(token: Token) -> Self {
        Self(Arc::new(token))
    }
}

impl From<Arc<Token>> for SharedToken {
    fn from(token: Arc<Token>) -> Self {
        Self(token)
    }
}

impl From<SharedToken> for Token {
    fn from(token: SharedToken) -> Self {
        token.into_inner()
    }
}

impl Deref for SharedToken {
    type Target = Token;

    fn deref(&self) -> &Token {
        &self.0
    }
}

impl DerefMut for SharedToken {
    /// Copies the token first when it is shared.
    fn deref_mut(&mut self) -> &mut Token {
        Arc::make_mut(&mut self.0)
    }
}

impl AsRef<Token> for SharedToken {
    fn as_ref(&self) -> &Token {
        &self.0
    }
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for SharedToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SharedToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Token::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_shares_and_the_first_write_copies() {
        let cached = Arc::new(Token {
            sub: Some("1".into()),
            ..Token::default()
        });
        let read = SharedToken::from(Arc::clone(&cached));
        assert_eq!(read.sub.as_deref(), Some("1"));
        assert!(read.is(&cached));
        let mut written = read.clone();
        written.name = Some("Alice".into());
        assert!(!written.is(&cached));
        assert_eq!(cached.name, None, "the cached token is never changed");
        assert!(read.is(&cached));
    }

    #[test]
    fn into_inner_copies_only_when_shared() {
        let token = Token {
            name: Some("Alice".into()),
            ..Token::default()
        };
        let buffer = token.name.as_deref().map(str::as_ptr);
        let alone = SharedToken::from(token).into_inner();
        assert_eq!(
            alone.name.as_deref().map(str::as_ptr),
            buffer,
            "moved, not copied"
        );
        let shared = SharedToken::from(alone);
        let other = shared.clone();
        let copy = shared.into_inner();
        assert_ne!(
            copy.name.as_deref().map(str::as_ptr),
            other.name.as_deref().map(str::as_ptr)
        );
        assert_eq!(copy, *other);
    }
}
