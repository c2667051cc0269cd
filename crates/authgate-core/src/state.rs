//! What every request shares: the validated config and the token cache. The [`crate::Auth`]
//! handle holds it in an `Arc`; the routes and the session code take it by reference.

use http::{HeaderMap, Uri};

use crate::{
    origin::Origin,
    providers::oauth::oidc::OidcCache,
    session::{batch::SessionReads, cache::SessionCache},
    token::cache::TokenCache,
    AuthConfig, Provider,
};

/// The engine's shared state.
pub(crate) struct State {
    pub(crate) config: AuthConfig,
    pub(crate) tokens: TokenCache,
    /// The one HTTP client for providers (no redirects, timeouts).
    pub(crate) http: reqwest::Client,
    /// OIDC discovery documents and key sets.
    pub(crate) oidc: OidcCache,
    /// Database session reads, when the app turned the cache on.
    pub(crate) sessions: SessionCache,
    /// Database session reads gathered while one is in flight.
    pub(crate) session_reads: SessionReads,
}

impl State {
    pub(crate) fn new(config: AuthConfig) -> Self {
        let tokens = TokenCache::new(
            config.token_cache_capacity,
            config.token_cache_bytes,
            config.max_token_bytes,
        );
        let http = config.http.clone();
        let config_ttl = config.session_cache_ttl;
        Self {
            config,
            tokens,
            http,
            oidc: OidcCache::default(),
            sessions: SessionCache::new(config_ttl),
            session_reads: SessionReads::default(),
        }
    }

    /// The provider with this id.
    pub(crate) fn provider(&self, id: &str) -> Option<&Provider> {
        self.config.providers.iter().find(|p| p.id() == id)
    }

    /// The origin of a request: the canonical URL, or the trusted Host headers.
    pub(crate) fn origin(&self, headers: &HeaderMap, uri: &Uri) -> Option<Origin> {
        match &self.config.canonical {
            Some(o) => Some(o.clone()),
            None => Origin::from_request(headers, Some(uri)),
        }
    }

    /// The URL of a page: the custom one (relative to the origin, or absolute), or the
    /// built-in one under the base path.
    pub(crate) fn page_url(&self, origin: &Origin, custom: Option<&str>, builtin: &str) -> String {
        match custom {
            Some(p) if p.starts_with('/') => format!("{}{p}", origin.origin),
            Some(p) => p.to_owned(),
            None => format!("{}{}/{builtin}", origin.origin, self.config.base_path),
        }
    }
}
