//! Test helpers shared by every authgate test suite: a browser-like HTTP client
//! ([`Browser`]: a cookie jar, no automatic redirects), whole responses ([`Resp`],
//! [`RawResp`]), cookie attribute checks, HTTP and ISO dates, base64url and the URL
//! encoders, and the cookie names and paths authgate uses by default.
//!
//! Nothing here knows a web framework or the demo app: the suites bring their own
//! servers and point a [`Browser`] at them.
//!
//! [`idp`] holds [`MockIdp`], a strict OAuth 2 / OpenID Connect provider the OAuth
//! client is tested against over real HTTP; [`SmtpSink`] is an SMTP server that keeps
//! what it receives.

mod browser;
mod encoding;
mod flaky;
mod guards;
pub mod idp;
mod redis_server;
mod response;
mod smtp;

pub use browser::{get_with, Browser};
pub use encoding::{
    b64url, b64url_decode, encode_uri_component, form_encode, hidden_input, http_date, iso_date,
    now,
};
pub use flaky::FlakyAdapter;
pub use guards::assert_guard_modes;
pub use idp::{AppleClient, IdpConfig, IdpUser, Misbehaviour, MockIdp, SigningAlg};
pub use redis_server::{restart_redis, restartable_redis, start_redis, stop_redis};
pub use response::{assert_cookie_attrs, cookie_attr, raw_request, RawResp, Resp};
pub use smtp::{SinkMode, SmtpMessage, SmtpSink};

use authgate_core::{TokenCodec, TokenFormat};

/// The session cookie's name (http; `__Secure-` prefixed on https).
pub const SESSION: &str = "authjs.session-token";
/// The CSRF cookie's name (http; `__Host-` prefixed on https).
pub const CSRF: &str = "authjs.csrf-token";
/// The callback URL cookie's name (http; `__Secure-` prefixed on https).
pub const CALLBACK_URL: &str = "authjs.callback-url";
/// The default base path of the auth routes.
pub const DEFAULT_BASE_PATH: &str = "/auth";
/// The default id of the credentials provider.
pub const CREDENTIALS: &str = "credentials";

/// An Auth.js v5 codec for some secrets and a cookie name (the HKDF salt).
pub fn codec_for(secrets: &[&str], salt: &str) -> TokenCodec {
    TokenCodec::new(TokenFormat::AuthJsV5, secrets, salt).expect("codec")
}
