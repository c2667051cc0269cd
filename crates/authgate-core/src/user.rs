//! The signed-in user and the account (provider) it signed in with.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user, as returned by a provider (`authorize` for credentials) and passed to the
/// callbacks.
///
/// ```
/// use authgate_core::User;
/// let user = User::new("1").name("Alice").email("alice@example.com").with("role", "admin");
/// assert_eq!(user.extra["role"], "admin");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Stable id; becomes the token's `sub`.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL (`picture` in the token, `image` in the session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Any other fields of the app's (a role, a tenant id, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// A user with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the email address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the picture URL.
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Adds an app field.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// How the user signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    /// A credentials provider (`authorize`).
    Credentials,
    /// An OAuth 2 provider.
    OAuth,
    /// An OpenID Connect provider.
    Oidc,
    /// An email magic link.
    Email,
}

/// The account a user signed in with (Auth.js `account`). `Debug` redacts its tokens.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The kind of provider.
    #[serde(rename = "type")]
    pub kind: AccountType,
    /// The provider id (`credentials`, `github`, ...).
    pub provider: String,
    /// The user's id at that provider.
    #[serde(rename = "providerAccountId")]
    pub provider_account_id: String,
    /// Provider tokens and other fields (`access_token`, `expires_at`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("kind", &self.kind)
            .field("provider", &self.provider)
            .field("provider_account_id", &self.provider_account_id)
            .field("extra", &crate::redact::RedactedMap(&self.extra))
            .finish()
    }
}
