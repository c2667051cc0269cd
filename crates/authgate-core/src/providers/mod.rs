//! Sign-in providers: one file per kind of provider. Today: credentials; OAuth/OIDC
//! (with presets) and email join [`Provider`] as further variants, each in its own file.

mod credentials;

pub use credentials::{AuthorizeRequest, CredentialField, Credentials};

/// A sign-in provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Provider {
    /// Username/password (or any fields) checked by the app.
    Credentials(Credentials),
}

impl Provider {
    /// The provider id.
    pub fn id(&self) -> &str {
        match self {
            Self::Credentials(c) => c.provider_id(),
        }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        match self {
            Self::Credentials(c) => c.display_name(),
        }
    }

    /// The Auth.js provider type: `credentials`, `oauth`, `oidc` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Credentials(_) => "credentials",
        }
    }
}

impl From<Credentials> for Provider {
    fn from(c: Credentials) -> Self {
        Self::Credentials(c)
    }
}
