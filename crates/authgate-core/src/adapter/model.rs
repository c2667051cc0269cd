//! What adapters store: users, accounts, sessions and verification tokens, in Auth.js's
//! shapes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::{Account, AccountType, User};

/// A stored user (Auth.js `AdapterUser`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterUser {
    /// The user id (a random UUID chosen by the adapter).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Email address (unique among users, lowercased by the engine).
    pub email: Option<String>,
    /// When the email was verified (email sign-in), if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    pub email_verified: Option<OffsetDateTime>,
    /// Picture URL.
    pub image: Option<String>,
}

impl AdapterUser {
    /// The user as the callbacks see it, without copying.
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            name: self.name,
            email: self.email,
            image: self.image,
            extra: Map::new(),
        }
    }

    /// The user as the callbacks see it.
    pub fn to_user(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            image: self.image.clone(),
            extra: Map::new(),
        }
    }
}

/// A user to create.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewUser {
    /// The id to give it (credentials with database sessions keep the id `authorize`
    /// gives); `None`: the adapter picks a random UUID v4.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// When the email was verified.
    pub email_verified: Option<OffsetDateTime>,
    /// Picture URL.
    pub image: Option<String>,
}

impl NewUser {
    /// The fields of a provider's user (its id is the provider's, not ours: dropped).
    pub fn from_user(user: &User) -> Self {
        Self {
            id: None,
            name: user.name.clone(),
            email: user.email.clone(),
            email_verified: None,
            image: user.image.clone(),
        }
    }
}

/// Changes to a user, field by field (Auth.js `updateUser` with a partial user): `None`
/// leaves a field as it is, `Some(Some(v))` sets it, `Some(None)` clears it.
///
/// ```
/// use authgate_core::adapter::UserUpdate;
/// let update = UserUpdate {
///     name: Some(Some("Ann".into())), // set
///     image: Some(None),              // clear
///     ..UserUpdate::default()         // the rest stays
/// };
/// assert_eq!(update.email, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserUpdate {
    /// The name.
    pub name: Option<Option<String>>,
    /// The email address.
    pub email: Option<Option<String>>,
    /// The verification time.
    pub email_verified: Option<Option<OffsetDateTime>>,
    /// The picture URL.
    pub image: Option<Option<String>>,
}

impl UserUpdate {
    /// Applies the changes to `user`.
    pub fn apply_to(self, user: &mut super::AdapterUser) {
        if let Some(name) = self.name {
            user.name = name;
        }
        if let Some(email) = self.email {
            user.email = email;
        }
        if let Some(at) = self.email_verified {
            user.email_verified = at;
        }
        if let Some(image) = self.image {
            user.image = image;
        }
    }
}

/// A provider account linked to a user (Auth.js `AdapterAccount`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterAccount {
    /// The user it belongs to.
    pub user_id: String,
    /// The kind of provider.
    pub kind: AccountType,
    /// The provider id.
    pub provider: String,
    /// The user's id at the provider (unique with `provider`).
    pub provider_account_id: String,
    /// Provider tokens and other fields (`access_token`, `refresh_token`, `expires_at`,
    /// `token_type`, `scope`, `id_token`, ...).
    pub extra: Map<String, Value>,
}

impl AdapterAccount {
    /// The account of a sign-in, for a user.
    pub fn new(user_id: impl Into<String>, account: &Account) -> Self {
        Self {
            user_id: user_id.into(),
            kind: account.kind,
            provider: account.provider.clone(),
            provider_account_id: account.provider_account_id.clone(),
            extra: account.extra.clone(),
        }
    }
}

/// A database session. `session_token` is what the adapter stores and looks up: the
/// engine hands it the SHA-256 of the cookie's token, never the token itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterSession {
    /// The (hashed) session token.
    pub session_token: String,
    /// The user it belongs to.
    pub user_id: String,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
}

/// A one-time token (email sign-in). `token` is stored hashed by the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// Who it is for (an email address).
    pub identifier: String,
    /// The (hashed) token.
    pub token: String,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
}
