//! The one error type of `authgate-core`.

use crate::ErrorCode;

/// Everything that can go wrong in the engine.
///
/// [`Error::code`] maps each to the Auth.js error type ([`ErrorCode`]) that decides what
/// a client sees; the `Display` text is for logs and never contains a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid (found when it is built).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A session token would be larger than the cap
    /// ([`crate::AuthConfigBuilder::max_issued_token_bytes`]): it is not issued.
    #[error("the session token would be {size} bytes, over the {max}-byte cap")]
    TokenTooLarge {
        /// Its size.
        size: usize,
        /// The cap.
        max: usize,
    },
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
    #[error("sign-in refused with app code {0:?}")]
    AppCode(String),
    /// A flow failed with an Auth.js error type (a failed check, a provider error, ...).
    #[error("{code}: {detail}")]
    Auth {
        /// The error type.
        code: ErrorCode,
        /// What happened, for the log.
        detail: String,
    },
    /// A callback, provider or event of the app failed.
    #[error("callback failed: {0}")]
    Callback(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// JSON (de)serialization of a token, session or body failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// An app-chosen error code (see [`Error::AppCode`]).
    ///
    /// ```
    /// let err = authgate_core::Error::app_code("AccountLocked");
    /// assert_eq!(err.to_string(), "sign-in refused with app code \"AccountLocked\"");
    /// ```
    pub fn app_code(code: impl Into<String>) -> Self {
        Self::AppCode(code.into())
    }

    /// A flow error of an Auth.js type.
    ///
    /// ```
    /// use authgate_core::{Error, ErrorCode};
    /// let err = Error::auth(ErrorCode::InvalidCheck, "state cookie missing");
    /// assert_eq!(err.code(), ErrorCode::InvalidCheck);
    /// assert_eq!(err.to_string(), "InvalidCheck: state cookie missing");
    /// ```
    pub fn auth(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Auth {
            code,
            detail: detail.into(),
        }
    }

    /// Wraps any error of the app's own (a database error in `authorize`, say).
    pub fn callback(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Callback(err.into())
    }

    /// The Auth.js error type this error is, as Auth.js classifies it: a bad config is
    /// `Configuration`, an unreadable token `JWTSessionError`, an app code
    /// `CredentialsSignin` (it travels in `&code=`), an app failure
    /// `CallbackRouteError`.
    ///
    /// ```
    /// use authgate_core::{Error, ErrorCode};
    /// assert_eq!(Error::TokenExpired.code(), ErrorCode::JwtSessionError);
    /// assert_eq!(Error::callback("db down").code(), ErrorCode::CallbackRouteError);
    /// ```
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Config(_) | Self::TokenTooLarge { .. } => ErrorCode::Configuration,
            Self::InvalidToken(_) | Self::TokenExpired => ErrorCode::JwtSessionError,
            Self::AppCode(_) => ErrorCode::CredentialsSignin,
            Self::Auth { code, .. } => *code,
            Self::Callback(_) | Self::Json(_) => ErrorCode::CallbackRouteError,
        }
    }
}
