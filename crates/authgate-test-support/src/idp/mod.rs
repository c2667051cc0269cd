//! [`MockIdp`]: a strict, in-process OAuth 2 / OpenID Connect authorization server on
//! `127.0.0.1:<random port>`, for testing an OAuth client over real HTTP.
//!
//! It checks what a real provider checks (client authentication, exact redirect_uri,
//! PKCE S256, single-use and short-lived codes, refresh token rotation, repeated
//! parameters) and answers as RFC 6749, RFC 7636 and OIDC Core say, so client bugs show.
//! It auto-approves every valid authorization as the current [`IdpUser`]. Tests switch
//! faults on and off at run time ([`Misbehaviour`]), rotate the signing keys, and read
//! call counters and the last authorization request.
//!
//! Endpoints, under the issuer's path: `/.well-known/openid-configuration`, `/jwks`,
//! `/authorize`, `/token`, `/userinfo`. At the root, a GitHub-shaped surface:
//! `/login/oauth/authorize`, `/login/oauth/access_token`, `/api/user`,
//! `/api/user/emails`.
//!
//! ```no_run
//! # async fn demo() {
//! use authgate_test_support::idp::{Misbehaviour, MockIdp};
//! let idp = MockIdp::start().await;
//! let discovery = format!("{}/.well-known/openid-configuration", idp.issuer());
//! idp.set_misbehaviour(Misbehaviour::WrongNonce);
//! # }
//! ```

mod authorize;
mod client_auth;
mod endpoints;
mod error;
mod github;
mod id_token;
mod keys;
mod misbehave;
mod state;
mod token;
mod user;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use keys::SigningAlg;
pub use misbehave::Misbehaviour;
pub use state::IdpCalls;
pub use user::IdpUser;

use state::{AppleVerifier, Settings, Shared, Tenant};

/// The one registered client's id.
pub const CLIENT_ID: &str = "authgate-test-client";
/// The client's secret. It holds characters that RFC 6749's form-urlencoding of
/// `client_secret_basic` changes (`+`, `/`, `:`, `%`, `=`, `&`), so a client that skips
/// that encoding fails to authenticate.
pub const CLIENT_SECRET: &str = "test-secret:+/%=&";

/// How a [`MockIdp`] starts. Everything but the issuer path and the lifetimes can be
/// switched later.
#[derive(Clone, Debug)]
pub struct IdpConfig {
    /// The issuer's path, e.g. `/realms/x/` for `http://127.0.0.1:<port>/realms/x/`
    /// (kept as given, trailing slash included, as Keycloak and Auth0 publish theirs).
    /// `None`: the issuer is the bare origin, without a trailing slash.
    pub issuer_path: Option<String>,
    /// The user the authorizations approve.
    pub user: IdpUser,
    /// The algorithm id_tokens are signed with.
    pub signing_alg: SigningAlg,
    /// Whether the id_token carries only `sub` and the protocol claims (the profile is
    /// then only in userinfo).
    pub minimal_id_token: bool,
    /// Whether the GitHub surface hides the user's email (`email: null` in `/api/user`,
    /// the address only in `/api/user/emails`).
    pub private_email: bool,
    /// How long an authorization code can be redeemed (60 s).
    pub code_ttl: Duration,
    /// The lifetime of access tokens and id_tokens (`expires_in`, one hour).
    pub access_token_ttl: Duration,
    /// Entra ID's multi-tenant shape, for this tenant id: the issuer path's first
    /// segment (`common` in `/common/v2.0`) is `{tenantid}` in the discovery document's
    /// `issuer`, and id_tokens carry `tid` (this tenant) and an `iss` naming it.
    pub tenant: Option<String>,
    /// Sign in with Apple's client authentication: the token endpoint takes only a
    /// `client_secret` that is an ES256 JWT this key signed, and a form_post answer
    /// carries Apple's `user` field (the user's name, as on a first sign-in).
    pub apple: Option<AppleClient>,
}

/// The Apple developer team and key a [`MockIdp`] checks client secrets against
/// ([`IdpConfig::apple`]).
#[derive(Clone, Debug)]
pub struct AppleClient {
    /// The team id: the client secret's `iss`.
    pub team_id: String,
    /// The key id: the client secret's `kid`.
    pub key_id: String,
    /// The team's private key (PKCS#8 PEM, P-256); its public key checks the secrets.
    pub private_key_pem: String,
}

impl Default for IdpConfig {
    fn default() -> Self {
        Self {
            issuer_path: None,
            user: IdpUser::default(),
            signing_alg: SigningAlg::default(),
            minimal_id_token: false,
            private_email: false,
            code_ttl: Duration::from_secs(60),
            access_token_ttl: Duration::from_secs(3600),
            tenant: None,
            apple: None,
        }
    }
}

/// A running mock provider. It serves until dropped.
#[derive(Debug)]
pub struct MockIdp {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl MockIdp {
    /// Starts a provider with the default [`IdpConfig`] on the current tokio runtime
    /// (actix-web's test runtime included).
    pub async fn start() -> Self {
        Self::start_with(IdpConfig::default()).await
    }

    /// Starts a provider configured by `config`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start_with(config: IdpConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port for the mock IdP");
        let addr = listener.local_addr().expect("the bound address");
        let path = match config.issuer_path.as_deref() {
            None | Some("") => String::new(),
            Some(p) if p.starts_with('/') => p.to_owned(),
            Some(p) => format!("/{p}"),
        };
        let settings = Settings {
            user: config.user,
            alg: config.signing_alg,
            minimal_id_token: config.minimal_id_token,
            private_email: config.private_email,
            misbehaviour: None,
            generation: 0,
        };
        let origin = format!("http://{addr}");
        let tenant = config.tenant.map(|id| {
            // `/common/v2.0` → `/v2.0`.
            let rest = path
                .get(1..)
                .and_then(|p| p.find('/').map(|i| p[i..].to_owned()))
                .unwrap_or_default();
            Tenant {
                id,
                origin: origin.clone(),
                rest,
            }
        });
        let apple = config.apple.map(|apple| {
            let private = jsonwebtoken::EncodingKey::from_ec_pem(apple.private_key_pem.as_bytes())
                .expect("the Apple test key is a PKCS#8 P-256 PEM");
            let public =
                jsonwebtoken::jwk::Jwk::from_encoding_key(&private, jsonwebtoken::Algorithm::ES256)
                    .expect("the Apple test key's public key");
            AppleVerifier {
                team_id: apple.team_id,
                key_id: apple.key_id,
                key: jsonwebtoken::DecodingKey::from_jwk(&public)
                    .expect("the Apple test key's public key"),
            }
        });
        let shared = Arc::new(Shared::new(
            format!("{origin}{path}"),
            tenant,
            apple,
            config.code_ttl,
            config.access_token_ttl,
            settings,
        ));
        let router = endpoints::router(Arc::clone(&shared), path.trim_end_matches('/'));
        let task = tokio::spawn(async move {
            // Serving only ends with the task (aborted on drop).
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, shared, task }
    }

    /// The issuer: `http://127.0.0.1:<port>` plus the configured path.
    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    /// The discovery document's URL (under the issuer).
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.shared.base)
    }

    /// The server's origin, `http://127.0.0.1:<port>`, where the GitHub surface lives.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `path` (starting with `/`) at the origin, e.g.
    /// `idp.url("/login/oauth/authorize")`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The registered client's id ([`CLIENT_ID`]).
    pub fn client_id(&self) -> &'static str {
        CLIENT_ID
    }

    /// The registered client's secret ([`CLIENT_SECRET`]).
    pub fn client_secret(&self) -> &'static str {
        CLIENT_SECRET
    }

    /// The user the next authorizations approve.
    pub fn set_user(&self, user: IdpUser) {
        self.shared.lock().settings.user = user;
    }

    /// The algorithm the next id_tokens are signed with.
    pub fn set_signing_alg(&self, alg: SigningAlg) {
        self.shared.lock().settings.alg = alg;
    }

    /// Whether the next id_tokens carry only `sub` and the protocol claims.
    pub fn set_minimal_id_token(&self, minimal: bool) {
        self.shared.lock().settings.minimal_id_token = minimal;
    }

    /// Whether the GitHub surface hides the user's email from `/api/user`.
    pub fn set_private_email(&self, private: bool) {
        self.shared.lock().settings.private_email = private;
    }

    /// Starts misbehaving (replacing any earlier misbehaviour).
    pub fn set_misbehaviour(&self, misbehaviour: Misbehaviour) {
        self.shared.lock().settings.misbehaviour = Some(misbehaviour);
    }

    /// Behaves again.
    pub fn clear_misbehaviour(&self) {
        self.shared.lock().settings.misbehaviour = None;
    }

    /// Rotates the signing keys: the next id_tokens are signed with the other key of
    /// each pair under a new kid, and the JWKS publishes only the new keys, so a client
    /// with a cached JWKS meets an unknown kid.
    pub fn rotate_keys(&self) {
        self.shared.lock().settings.generation += 1;
    }

    /// The kid the next id_tokens carry.
    pub fn current_kid(&self) -> String {
        let settings = self.shared.settings();
        keys::kid(settings.alg, settings.generation)
    }

    /// How many times each endpoint was called so far.
    pub fn calls(&self) -> IdpCalls {
        self.shared.lock().calls
    }

    /// The parameters of the last authorization request (as received, whether or not it
    /// was valid), or `None` before the first.
    pub fn last_authorize(&self) -> Option<BTreeMap<String, String>> {
        self.shared.lock().last_authorize.clone()
    }
}

impl Drop for MockIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}
