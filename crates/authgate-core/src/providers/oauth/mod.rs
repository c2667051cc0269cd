//! OAuth 2 and OpenID Connect providers: the [`OAuth`] provider value (endpoints, client,
//! checks, profile mapping), and the protocol pieces the routes use:
//!
//! - `tokens.rs`: [`TokenSet`], what the token endpoint answered;
//! - `profile.rs`: the default profile mapping;
//! - `checks.rs`: the encrypted `state`, PKCE and `nonce` cookies;
//! - `client.rs`: the shared HTTP client, the authorization URL, the code exchange and
//!   userinfo (with the `oauth2` crate);
//! - `oidc.rs`: discovery, the JWKS cache (refetched on an unknown `kid`) and id_token
//!   checks (with `jsonwebtoken`);
//! - `refresh.rs`: [`TokenRefresher`], single-flight refresh of access tokens.

pub(crate) mod checks;
pub(crate) mod client;
pub(crate) mod oidc;
pub(crate) mod profile;
mod refresh;
mod tokens;

use std::{fmt, future::Future, sync::Arc};

use serde_json::Value;

pub use refresh::{RefreshLock, TokenRefresher, REFRESH_TOKEN_ERROR};
pub use tokens::TokenSet;

use crate::{callbacks::BoxFuture, Error, User};

/// An https URL, or an http one on a loopback host (a provider in development or
/// tests): tokens and keys never travel in the clear.
pub(crate) fn is_safe_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// OAuth 2 or OpenID Connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthKind {
    /// Plain OAuth 2: the profile comes from the userinfo endpoint.
    OAuth,
    /// OpenID Connect: the profile is the id_token's claims (merged with userinfo).
    Oidc,
}

/// A check that binds the callback to the browser that started the sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A random `state`, echoed by the provider and compared with its cookie.
    State,
    /// PKCE (S256): the code verifier stays in a cookie, its hash goes to the provider.
    Pkce,
    /// An OIDC `nonce`, which must come back inside the id_token.
    Nonce,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic (`client_secret_basic`, the OAuth 2 default).
    #[default]
    Basic,
    /// In the form body (`client_secret_post`).
    Post,
}

/// What a custom userinfo request gets.
#[derive(Clone, Debug)]
pub struct UserinfoRequest {
    /// The shared HTTP client (no redirects, with timeouts).
    pub http: reqwest::Client,
    /// The provider's userinfo endpoint, if it has one.
    pub url: Option<String>,
    /// The tokens of this sign-in.
    pub tokens: TokenSet,
}

type ProfileFn = Arc<dyn Fn(&Value, &TokenSet) -> Result<User, Error> + Send + Sync>;
type SecretFn = Arc<dyn Fn() -> Result<String, Error> + Send + Sync>;

/// Where the client secret comes from.
#[derive(Clone)]
pub(crate) enum ClientSecretSource {
    /// A fixed secret.
    Fixed(String),
    /// Minted for each token request (Apple: a short-lived ES256 JWT).
    Minted(SecretFn),
}

impl ClientSecretSource {
    /// The secret to send now.
    pub(crate) fn get(&self) -> Result<String, Error> {
        match self {
            Self::Fixed(s) => Ok(s.clone()),
            Self::Minted(f) => f(),
        }
    }
}
type UserinfoFn = Arc<dyn Fn(UserinfoRequest) -> BoxFuture<Result<Value, Error>> + Send + Sync>;

/// An OAuth 2 or OpenID Connect provider.
///
/// A preset (GitHub, Google, ...) is a function returning one of these; any other
/// provider is a few builder calls:
///
/// ```
/// use authgate_core::OAuth;
///
/// let idp = OAuth::oidc("corp", "Corp SSO", "https://sso.corp.example")
///     .client_id("my-client")
///     .client_secret("my-secret");
/// assert_eq!(idp.provider_id(), "corp");
///
/// let custom = OAuth::oauth2("acme", "Acme")
///     .client_id("id")
///     .client_secret("secret")
///     .authorization_endpoint("https://acme.example/oauth/authorize")
///     .token_endpoint("https://acme.example/oauth/token")
///     .userinfo_endpoint("https://acme.example/api/me")
///     .scope("read:user");
/// # let _ = custom;
/// ```
#[derive(Clone)]
pub struct OAuth {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: OAuthKind,
    pub(crate) issuer: Option<String>,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<ClientSecretSource>,
    pub(crate) client_auth: ClientAuth,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) scope: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) checks: Vec<Check>,
    pub(crate) form_post: bool,
    pub(crate) fetch_userinfo: bool,
    pub(crate) profile: Option<ProfileFn>,
    pub(crate) userinfo_request: Option<UserinfoFn>,
    pub(crate) allow_dangerous_email_account_linking: bool,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("scope", &self.scope)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    fn new(id: &str, name: &str, kind: OAuthKind) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            kind,
            issuer: None,
            client_id: String::new(),
            client_secret: None,
            client_auth: ClientAuth::default(),
            authorization_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            jwks_uri: None,
            scope: String::new(),
            params: Vec::new(),
            checks: vec![Check::State, Check::Pkce],
            form_post: false,
            fetch_userinfo: true,
            profile: None,
            userinfo_request: None,
            allow_dangerous_email_account_linking: false,
        }
    }

    /// A plain OAuth 2 provider; set its endpoints (authorization, token, userinfo).
    pub fn oauth2(id: impl AsRef<str>, name: impl AsRef<str>) -> Self {
        Self::new(id.as_ref(), name.as_ref(), OAuthKind::OAuth)
    }

    /// An OpenID Connect provider, configured by discovery from its issuer
    /// (`<issuer>/.well-known/openid-configuration`). Scope `openid profile email` and the
    /// checks state, PKCE and nonce by default.
    pub fn oidc(id: impl AsRef<str>, name: impl AsRef<str>, issuer: impl Into<String>) -> Self {
        let mut p = Self::new(id.as_ref(), name.as_ref(), OAuthKind::Oidc);
        p.issuer = Some(issuer.into());
        p.scope = "openid profile email".into();
        p.checks = vec![Check::State, Check::Pkce, Check::Nonce];
        p
    }

    /// Sets the client id.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }

    /// Sets the client secret (a public client has none).
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecretSource::Fixed(secret.into()));
        self
    }

    /// Mints the client secret for each token request (Apple's client secret is a JWT
    /// that expires).
    #[must_use]
    pub fn client_secret_with<F>(mut self, mint: F) -> Self
    where
        F: Fn() -> Result<String, Error> + Send + Sync + 'static,
    {
        self.client_secret = Some(ClientSecretSource::Minted(Arc::new(mint)));
        self
    }

    /// How the client authenticates at the token endpoint (default HTTP Basic).
    #[must_use]
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Sets the issuer (OIDC: where discovery starts, and the id_token's `iss`).
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets the authorization endpoint (overrides discovery).
    #[must_use]
    pub fn authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorization_endpoint = Some(url.into());
        self
    }

    /// Sets the token endpoint (overrides discovery).
    #[must_use]
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Sets the userinfo endpoint (overrides discovery).
    #[must_use]
    pub fn userinfo_endpoint(mut self, url: impl Into<String>) -> Self {
        self.userinfo_endpoint = Some(url.into());
        self
    }

    /// Sets the JWKS URL (overrides discovery).
    #[must_use]
    pub fn jwks_uri(mut self, url: impl Into<String>) -> Self {
        self.jwks_uri = Some(url.into());
        self
    }

    /// Sets the scope (space-separated).
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Adds an authorization parameter (`prompt`, `access_type`, ...).
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sets the checks (default: state and PKCE; OIDC adds nonce).
    #[must_use]
    pub fn checks(mut self, checks: impl IntoIterator<Item = Check>) -> Self {
        self.checks = checks.into_iter().collect();
        self
    }

    /// The provider answers with `response_mode=form_post` (a cross-site `POST` to the
    /// callback; Apple does this).
    #[must_use]
    pub fn form_post(mut self) -> Self {
        self.form_post = true;
        self
    }

    /// Whether an OIDC provider's userinfo is fetched and merged into the id_token's
    /// claims (default: yes, when it has a userinfo endpoint).
    #[must_use]
    pub fn fetch_userinfo(mut self, fetch: bool) -> Self {
        self.fetch_userinfo = fetch;
        self
    }

    /// Maps the provider's profile to the user (default: `sub` or `id`; `name`,
    /// `nickname` or `preferred_username`; `email`; `picture`). The user's `id` is the
    /// account id at the provider.
    #[must_use]
    pub fn profile<F>(mut self, f: F) -> Self
    where
        F: Fn(&Value, &TokenSet) -> Result<User, Error> + Send + Sync + 'static,
    {
        self.profile = Some(Arc::new(f));
        self
    }

    /// Replaces the userinfo request (GitHub: also read `/user/emails` when the email is
    /// private).
    #[must_use]
    pub fn userinfo_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(UserinfoRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, Error>> + Send + 'static,
    {
        self.userinfo_request = Some(Arc::new(move |req| Box::pin(f(req))));
        self
    }

    /// With an adapter: a first sign-in whose email belongs to an existing user links
    /// this account to that user instead of refusing it with `OAuthAccountNotLinked`.
    /// Only for providers that verify email addresses: anyone who controls an address at
    /// such a provider takes over the account with that address.
    #[must_use]
    pub fn allow_dangerous_email_account_linking(mut self, allow: bool) -> Self {
        self.allow_dangerous_email_account_linking = allow;
        self
    }

    /// Sets the provider id (the `/signin/<id>` and `/callback/<id>` segment).
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the name shown on the sign-in page.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The provider id.
    pub fn provider_id(&self) -> &str {
        &self.id
    }

    /// The name shown on the sign-in page.
    pub fn display_name(&self) -> &str {
        &self.name
    }

    /// OAuth 2 or OIDC.
    pub fn kind(&self) -> OAuthKind {
        self.kind
    }

    /// Whether a check is on.
    pub fn has_check(&self, check: Check) -> bool {
        self.checks.contains(&check)
    }

    /// Maps a profile with the provider's mapping (or the default one).
    pub(crate) fn map_profile(&self, profile: &Value, tokens: &TokenSet) -> Result<User, Error> {
        match &self.profile {
            Some(f) => f(profile, tokens),
            None => profile::default_profile(profile),
        }
    }

    /// Checks what `AuthConfigBuilder::build` can check without the network.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.client_id.is_empty() {
            return Err(format!("provider {:?} has no client id", self.id));
        }
        let urls = [
            &self.issuer,
            &self.authorization_endpoint,
            &self.token_endpoint,
            &self.userinfo_endpoint,
            &self.jwks_uri,
        ];
        for url in urls.into_iter().flatten() {
            if !is_safe_url(url) {
                return Err(format!(
                    "provider {:?}: {url:?} is not an https URL (http only on loopback)",
                    self.id
                ));
            }
        }
        if self.kind == OAuthKind::Oidc && self.issuer.is_none() {
            return Err(format!("OIDC provider {:?} has no issuer", self.id));
        }
        if self.kind == OAuthKind::OAuth
            && (self.authorization_endpoint.is_none() || self.token_endpoint.is_none())
            && self.issuer.is_none()
        {
            return Err(format!(
                "OAuth provider {:?} needs an authorization and a token endpoint",
                self.id
            ));
        }
        if self.kind == OAuthKind::OAuth
            && self.userinfo_endpoint.is_none()
            && self.userinfo_request.is_none()
            && self.issuer.is_none()
        {
            return Err(format!(
                "OAuth provider {:?} needs a userinfo endpoint to read the profile",
                self.id
            ));
        }
        Ok(())
    }
}
