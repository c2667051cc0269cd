//! The one error type of `authgate-core` and the Auth.js error codes it maps to.

/// Everything that can go wrong in the engine.
///
/// Each variant maps to the Auth.js error code a client sees ([`Error::code`]); the
/// `Display` text is for logs and never contains a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid (found when it is built).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A session token (or another encrypted cookie) could not be decoded.
    #[error("invalid session token: {0}")]
    InvalidToken(&'static str),
    /// A session token is past its `exp` (beyond the clock tolerance).
    #[error("session token expired")]
    TokenExpired,
    /// An app-chosen error code, returned by `authorize` or the `sign_in` callback.
    ///
    /// It reaches the client only when it is on the config's allow-list
    /// ([`crate::AuthConfigBuilder::error_code`]); otherwise the generic code is used.
    #[error("sign-in refused with code {0:?}")]
    Code(String),
    /// A callback, provider or event of the app failed.
    #[error("callback failed: {0}")]
    Callback(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// JSON (de)serialization of a token, session or body failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// An app-chosen error code (see [`Error::Code`]).
    ///
    /// ```
    /// let err = authgate_core::Error::code("AccountLocked");
    /// assert_eq!(err.to_string(), "sign-in refused with code \"AccountLocked\"");
    /// ```
    pub fn code(code: impl Into<String>) -> Self {
        Self::Code(code.into())
    }

    /// Wraps any error of the app's own (a database error in `authorize`, say).
    pub fn callback(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Callback(err.into())
    }
}

/// The Auth.js error codes that the routes put in `?error=`.
pub mod codes {
    /// Server-side problem; the details are in the logs.
    pub const CONFIGURATION: &str = "Configuration";
    /// The `sign_in` callback refused the user.
    pub const ACCESS_DENIED: &str = "AccessDenied";
    /// An email sign-in link was invalid or expired.
    pub const VERIFICATION: &str = "Verification";
    /// `authorize` returned no user.
    pub const CREDENTIALS_SIGNIN: &str = "CredentialsSignin";
    /// The CSRF token was missing or wrong.
    pub const MISSING_CSRF: &str = "MissingCSRF";
    /// The app sent a protected page to the sign-in page.
    pub const SESSION_REQUIRED: &str = "SessionRequired";
}
