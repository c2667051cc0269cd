//! Sign-in providers: one file (or folder) per kind of provider: `credentials.rs`,
//! `oauth/` (OAuth 2 and OpenID Connect), `email.rs` (magic links), and `presets/`.

mod credentials;
pub(crate) mod email;
pub(crate) mod oauth;
pub mod presets;

pub use credentials::{AuthorizeRequest, CredentialField, Credentials};
pub use email::{normalize_email, Email};
pub use oauth::{
    Check, ClientAuth, OAuth, OAuthKind, RefreshLock, TokenRefresher, TokenSet, UserinfoRequest,
    REFRESH_TOKEN_ERROR,
};

/// A sign-in provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Provider {
    /// Username/password (or any fields) checked by the app.
    Credentials(Credentials),
    /// An OAuth 2 or OpenID Connect provider.
    OAuth(Box<OAuth>),
    /// A sign-in link sent by email.
    Email(Email),
}

impl Provider {
    /// The provider id.
    pub fn id(&self) -> &str {
        match self {
            Self::Credentials(c) => c.provider_id(),
            Self::OAuth(o) => o.provider_id(),
            Self::Email(e) => e.provider_id(),
        }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        match self {
            Self::Credentials(c) => c.display_name(),
            Self::OAuth(o) => o.display_name(),
            Self::Email(e) => e.display_name(),
        }
    }

    /// The Auth.js provider type: `credentials`, `oauth`, `oidc` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Credentials(_) => "credentials",
            Self::OAuth(o) => match o.kind() {
                OAuthKind::OAuth => "oauth",
                OAuthKind::Oidc => "oidc",
            },
            Self::Email(_) => "email",
        }
    }
}

impl From<Credentials> for Provider {
    fn from(c: Credentials) -> Self {
        Self::Credentials(c)
    }
}

impl From<OAuth> for Provider {
    fn from(o: OAuth) -> Self {
        Self::OAuth(Box::new(o))
    }
}

impl From<Email> for Provider {
    fn from(e: Email) -> Self {
        Self::Email(e)
    }
}
