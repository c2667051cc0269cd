//! The Auth.js v5 error types ([`ErrorCode`]), how each becomes the `?error=` value of a
//! redirect and the page it leads to, and what the built-in pages show for the values they
//! receive.
//!
//! Auth.js keeps two vocabularies apart, and so does this module:
//! - the **error types** a flow fails with (`OAuthSignInError`, `InvalidCheck`, ...). Each
//!   has a page kind (sign-in page or error page) and is either *client-safe* (its name
//!   goes into `?error=`) or not (then `?error=Configuration` goes, and the details stay
//!   in the server log);
//! - the **page parameters** a built-in page understands in `?error=`: the error page
//!   knows `Configuration`, `AccessDenied` and `Verification`; the sign-in page shows an
//!   inline message for the client-safe sign-in types and for the codes clients send
//!   themselves (`SessionRequired`, and Auth.js's older inline codes such as
//!   `OAuthSignin`).
//!
//! ```
//! use authgate_core::{ErrorCode, ErrorPage};
//!
//! let code = ErrorCode::OAuthSignInError;
//! assert_eq!(code.page(), ErrorPage::SignIn);
//! assert!(!code.is_client_safe());
//! assert_eq!(code.param(), "Configuration");
//! assert_eq!(ErrorCode::OAuthAccountNotLinked.param(), "OAuthAccountNotLinked");
//! assert_eq!(ErrorCode::from_name("MissingCSRF"), Some(ErrorCode::MissingCsrf));
//! ```

use std::fmt;

/// The page an error leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorPage {
    /// The sign-in page (`pages.sign_in`, or `<base>/signin`), which shows the error
    /// inline above the providers.
    SignIn,
    /// The error page (`pages.error`, or `<base>/error`).
    Error,
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $page:ident, $safe:literal; )*) => {
        /// An Auth.js v5 error type (`AuthError.type`).
        ///
        /// Each has its Auth.js name ([`ErrorCode::name`]), the page it leads to
        /// ([`ErrorCode::page`]) and whether it is client-safe
        /// ([`ErrorCode::is_client_safe`]), which decides the `?error=` value
        /// ([`ErrorCode::param`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every error type.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The Auth.js spelling (`"OAuthSignInError"`).
            pub const fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// The page this error leads to.
            pub const fn page(self) -> ErrorPage {
                match self { $(ErrorCode::$variant => ErrorPage::$page,)* }
            }

            /// Whether the name may reach the client in `?error=`; for the others the
            /// client sees `Configuration` and the details are only logged.
            pub const fn is_client_safe(self) -> bool {
                match self { $(ErrorCode::$variant => $safe,)* }
            }
        }
    };
}

error_codes! {
    /// The catch-all a client sees for every error that is not client-safe: a server-side
    /// problem whose details are in the log. (Auth.js's error-page parameter.)
    Configuration = "Configuration", Error, true;
    /// The `sign_in` callback refused the user.
    AccessDenied = "AccessDenied", Error, true;
    /// A database adapter failed.
    AdapterError = "AdapterError", Error, false;
    /// An unexpected error in the callback route (e.g. `authorize` failed).
    CallbackRouteError = "CallbackRouteError", Error, false;
    /// The custom error page redirected back to itself.
    ErrorPageLoop = "ErrorPageLoop", Error, false;
    /// An event handler failed (logged only).
    EventError = "EventError", Error, false;
    /// A callback URL was not a valid URL.
    InvalidCallbackUrl = "InvalidCallbackUrl", Error, false;
    /// `authorize` returned no user, or refused with an app code (`&code=`).
    CredentialsSignin = "CredentialsSignin", SignIn, true;
    /// A provider's endpoints are misconfigured.
    InvalidEndpoints = "InvalidEndpoints", Error, false;
    /// A state, PKCE or nonce check failed (cookie missing, invalid, or for another
    /// provider).
    InvalidCheck = "InvalidCheck", Error, false;
    /// A JWT session could not be read (logged only).
    JwtSessionError = "JWTSessionError", Error, false;
    /// A feature needs a database adapter and none is configured.
    MissingAdapter = "MissingAdapter", Error, false;
    /// The adapter lacks methods a feature needs.
    MissingAdapterMethods = "MissingAdapterMethods", Error, false;
    /// A credentials provider has no `authorize`.
    MissingAuthorize = "MissingAuthorize", Error, false;
    /// No secret is configured.
    MissingSecret = "MissingSecret", Error, false;
    /// The provider account belongs to another user, or its email to an existing user.
    OAuthAccountNotLinked = "OAuthAccountNotLinked", SignIn, true;
    /// The provider answered the callback with an `error`, or the exchange failed.
    OAuthCallbackError = "OAuthCallbackError", SignIn, true;
    /// The provider profile could not be mapped (logged).
    OAuthProfileParseError = "OAuthProfileParseError", Error, false;
    /// A database session could not be read (logged only).
    SessionTokenError = "SessionTokenError", Error, false;
    /// Starting an OAuth sign-in failed (building the authorization URL).
    OAuthSignInError = "OAuthSignInError", SignIn, false;
    /// Starting an email sign-in failed (bad address, sending failed).
    EmailSignInError = "EmailSignInError", SignIn, false;
    /// Signing out failed (logged; sign-out goes on).
    SignOutError = "SignOutError", Error, false;
    /// An unknown action under the base path.
    UnknownAction = "UnknownAction", Error, false;
    /// The session strategy does not work with the providers (credentials only and the
    /// database strategy).
    UnsupportedStrategy = "UnsupportedStrategy", Error, false;
    /// An unknown provider id, or a route the provider does not support.
    InvalidProvider = "InvalidProvider", Error, false;
    /// The request's host is not trusted and no canonical URL is set.
    UntrustedHost = "UntrustedHost", Error, false;
    /// An email sign-in link is invalid, used or expired.
    Verification = "Verification", Error, true;
    /// The CSRF token is missing or wrong.
    MissingCsrf = "MissingCSRF", SignIn, true;
    /// The account could not be linked (WebAuthn).
    AccountNotLinked = "AccountNotLinked", SignIn, true;
    /// Two WebAuthn providers use conditional UI.
    DuplicateConditionalUi = "DuplicateConditionalUI", Error, false;
    /// A WebAuthn conditional-UI provider has no `webauthn` autocomplete field.
    MissingWebAuthnAutocomplete = "MissingWebAuthnAutocomplete", Error, false;
    /// A WebAuthn response did not verify.
    WebAuthnVerificationError = "WebAuthnVerificationError", Error, true;
    /// An experimental feature is used without being enabled.
    ExperimentalFeatureNotEnabled = "ExperimentalFeatureNotEnabled", Error, false;
    /// Too many sign-in attempts (authgate's rate limits; not an Auth.js type, the code
    /// of the rate-limit recipe in Auth.js's docs).
    RateLimited = "RateLimited", Error, true;
}

impl ErrorCode {
    /// The error type of an Auth.js name (case-sensitive, as Auth.js v5).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The `?error=` value: the name when client-safe, `Configuration` otherwise.
    pub const fn param(self) -> &'static str {
        if self.is_client_safe() {
            self.name()
        } else {
            ErrorCode::Configuration.name()
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The codes the sign-in page shows inline that are not error types: clients send them
/// (`SessionRequired` from a protected page), or older Auth.js versions did. With their
/// messages, as Auth.js's sign-in page.
const SIGN_IN_PAGE_CODES: &[(&str, &str)] = &[
    ("Signin", TRY_ANOTHER_ACCOUNT),
    ("OAuthSignin", TRY_ANOTHER_ACCOUNT),
    ("OAuthCallback", TRY_ANOTHER_ACCOUNT),
    ("OAuthCreateAccount", TRY_ANOTHER_ACCOUNT),
    ("EmailCreateAccount", TRY_ANOTHER_ACCOUNT),
    ("Callback", TRY_ANOTHER_ACCOUNT),
    ("EmailSignin", "The e-mail could not be sent."),
    ("SessionRequired", "Please sign in to access this page."),
];

const TRY_ANOTHER_ACCOUNT: &str = "Try signing in with a different account.";

/// The message the built-in sign-in page shows for an `?error=` value (the app's own
/// allow-listed codes are looked up first, by the page).
pub(crate) fn sign_in_page_message(param: &str) -> &'static str {
    if let Some((_, message)) = SIGN_IN_PAGE_CODES.iter().find(|(c, _)| *c == param) {
        return message;
    }
    match ErrorCode::from_name(param) {
        Some(ErrorCode::OAuthCallbackError) => TRY_ANOTHER_ACCOUNT,
        Some(ErrorCode::OAuthAccountNotLinked) => {
            "To confirm your identity, sign in with the same account you used originally."
        }
        Some(ErrorCode::CredentialsSignin) => {
            "Sign in failed. Check the details you provided are correct."
        }
        _ => "Unable to sign in.",
    }
}

/// What the built-in error page shows for an `?error=` value it knows (Auth.js v5 matches
/// case-sensitively): its status, heading and text. `None` for any other value (the
/// generic page, status 200).
pub(crate) fn error_page_text(param: &str) -> Option<(u16, &'static str, &'static str)> {
    match ErrorCode::from_name(param)? {
        ErrorCode::Configuration => Some((
            500,
            "Server error",
            "There is a problem with the server configuration. Check the server logs for more information.",
        )),
        ErrorCode::AccessDenied => Some((
            403,
            "Access Denied",
            "You do not have permission to sign in.",
        )),
        ErrorCode::Verification => Some((
            403,
            "Unable to sign in",
            "The sign in link is no longer valid. It may have been used already or it may have expired.",
        )),
        ErrorCode::RateLimited => Some((
            429,
            "Too many attempts",
            "Too many sign-in attempts. Please try again later.",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_name(code.name()), Some(*code));
        }
        assert_eq!(ErrorCode::from_name("configuration"), None);
        assert_eq!(ErrorCode::JwtSessionError.name(), "JWTSessionError");
    }

    #[test]
    fn client_safe_and_pages_as_authjs() {
        let safe: Vec<_> = ErrorCode::ALL
            .iter()
            .filter(|c| c.is_client_safe() && **c != ErrorCode::Configuration)
            .map(|c| c.name())
            .collect();
        assert_eq!(
            safe,
            [
                "AccessDenied",
                "CredentialsSignin",
                "OAuthAccountNotLinked",
                "OAuthCallbackError",
                "Verification",
                "MissingCSRF",
                "AccountNotLinked",
                "WebAuthnVerificationError",
                "RateLimited"
            ]
        );
        let sign_in: Vec<_> = ErrorCode::ALL
            .iter()
            .filter(|c| c.page() == ErrorPage::SignIn)
            .map(|c| c.name())
            .collect();
        assert_eq!(
            sign_in,
            [
                "CredentialsSignin",
                "OAuthAccountNotLinked",
                "OAuthCallbackError",
                "OAuthSignInError",
                "EmailSignInError",
                "MissingCSRF",
                "AccountNotLinked"
            ]
        );
        assert_eq!(ErrorCode::EmailSignInError.param(), "Configuration");
        assert_eq!(ErrorCode::InvalidCheck.param(), "Configuration");
    }

    #[test]
    fn page_messages() {
        assert_eq!(
            sign_in_page_message("SessionRequired"),
            "Please sign in to access this page."
        );
        assert_eq!(sign_in_page_message("OAuthSignin"), TRY_ANOTHER_ACCOUNT);
        assert_eq!(sign_in_page_message("MissingCSRF"), "Unable to sign in.");
        assert_eq!(sign_in_page_message("whatever"), "Unable to sign in.");
        assert_eq!(error_page_text("Configuration").map(|t| t.0), Some(500));
        assert_eq!(error_page_text("AccessDenied").map(|t| t.0), Some(403));
        assert_eq!(error_page_text("Verification").map(|t| t.0), Some(403));
        assert_eq!(error_page_text("accessdenied"), None);
        assert_eq!(error_page_text("CredentialsSignin"), None);
    }
}
