//! What the presets share: an OIDC provider by issuer with a client, and reading the
//! fields of a profile.

use serde_json::Value;

use crate::{providers::oauth::profile::text, Error, ErrorCode, OAuth, User};

/// An OpenID Connect preset: discovery from `issuer`, the client id and secret, the
/// default scope (`openid profile email`), checks (state, PKCE, nonce) and profile.
pub(super) fn oidc(
    id: &str,
    name: &str,
    issuer: impl Into<String>,
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
) -> OAuth {
    OAuth::oidc(id, name, issuer)
        .client_id(client_id)
        .client_secret(client_secret)
}

/// The first of `keys` whose value is a non-empty string or a number.
pub(super) fn first_text(profile: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| text(profile.get(*k)))
}

/// The account id at `key` (a string or a number); without it the profile is unusable.
pub(super) fn account_id(profile: &Value, key: &str, provider: &str) -> Result<String, Error> {
    text(profile.get(key)).ok_or_else(|| {
        Error::auth(
            ErrorCode::OAuthProfileParseError,
            format!("the {provider} profile has no {key:?}"),
        )
    })
}

/// A profile from a REST user API (GitHub, GitLab): the account id in `id` (a number),
/// the name from the first of `names`, `email`, and the picture in `avatar_url`.
pub(super) fn api_user(profile: &Value, provider: &str, names: &[&str]) -> Result<User, Error> {
    Ok(User {
        id: account_id(profile, "id", provider)?,
        name: first_text(profile, names),
        email: first_text(profile, &["email"]),
        image: first_text(profile, &["avatar_url"]),
        ..User::default()
    })
}

/// For the presets' tests: the authorization URL the engine builds.
#[cfg(test)]
pub(super) mod testing {
    use std::collections::HashMap;

    use crate::{
        providers::oauth::client::{authorization_url, pkce_pair, AuthorizationParams, Endpoints},
        Check, OAuth, TokenSet, User,
    };

    /// The redirect URI of the tests' app.
    pub(in crate::providers::presets) fn redirect_uri(provider: &OAuth) -> String {
        format!(
            "https://app.example/auth/callback/{}",
            provider.provider_id()
        )
    }

    /// Builds the authorization URL through the engine's code (as `POST /signin/<id>`
    /// does: the provider's checks and params) with `authorization` as the
    /// authorization endpoint (the provider's own, or what discovery would name), checks
    /// that it points there and returns its query.
    pub(in crate::providers::presets) fn authorize_query(
        provider: &OAuth,
        authorization: &str,
    ) -> HashMap<String, String> {
        let endpoints = Endpoints {
            authorization: authorization.to_owned(),
            token: provider.token_endpoint.clone().unwrap_or_default(),
            ..Endpoints::default()
        };
        let (challenge, _verifier) = pkce_pair();
        let url = authorization_url(
            provider,
            &endpoints,
            &redirect_uri(provider),
            AuthorizationParams {
                state: "test-state",
                pkce_challenge: provider.has_check(Check::Pkce).then_some(challenge),
                nonce: provider.has_check(Check::Nonce).then_some("test-nonce"),
                extra: provider.params.clone(),
            },
        )
        .unwrap();
        let url = url::Url::parse(&url).unwrap();
        assert_eq!(url[..url::Position::AfterPath], *authorization);
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], provider.client_id);
        assert_eq!(query["redirect_uri"], redirect_uri(provider));
        assert_eq!(query["state"], "test-state");
        assert_eq!(
            query.get("code_challenge_method").map(String::as_str),
            provider.has_check(Check::Pkce).then_some("S256")
        );
        assert_eq!(
            query.get("nonce").map(String::as_str),
            provider.has_check(Check::Nonce).then_some("test-nonce")
        );
        query
    }

    /// Asserts an OIDC preset by discovery from `issuer`, with the OIDC defaults: scope
    /// `openid profile email`, state, PKCE and nonce.
    pub(in crate::providers::presets) fn assert_oidc_defaults(provider: &OAuth, issuer: &str) {
        assert_eq!(provider.kind(), crate::OAuthKind::Oidc);
        assert_eq!(provider.issuer.as_deref(), Some(issuer));
        assert_eq!(provider.authorization_endpoint, None, "from discovery");
        assert_eq!(provider.token_endpoint, None, "from discovery");
        assert_eq!(provider.scope, "openid profile email");
        for check in [Check::State, Check::Pkce, Check::Nonce] {
            assert!(provider.has_check(check), "{check:?}");
        }
        assert!(provider.validate().is_ok());
    }

    /// Asserts a plain OAuth 2 preset: its authorization, token and userinfo endpoints,
    /// its scope, state and PKCE (no nonce: there is no id_token).
    pub(in crate::providers::presets) fn assert_oauth2(
        provider: &OAuth,
        own_endpoints: [&str; 3],
        scope: &str,
    ) {
        assert_eq!(provider.kind(), crate::OAuthKind::OAuth);
        assert_eq!(endpoints(provider), own_endpoints.map(Some));
        assert_eq!(provider.scope, scope);
        assert!(provider.has_check(Check::State) && provider.has_check(Check::Pkce));
        assert!(!provider.has_check(Check::Nonce));
        assert!(provider.validate().is_ok());
    }

    /// A provider's own authorization, token and userinfo endpoints.
    pub(in crate::providers::presets) fn endpoints(provider: &OAuth) -> [Option<&str>; 3] {
        [
            provider.authorization_endpoint.as_deref(),
            provider.token_endpoint.as_deref(),
            provider.userinfo_endpoint.as_deref(),
        ]
    }

    /// A user's id, name, email and image, to compare at once.
    pub(in crate::providers::presets) fn fields(
        user: &User,
    ) -> (&str, Option<&str>, Option<&str>, Option<&str>) {
        (
            user.id.as_str(),
            user.name.as_deref(),
            user.email.as_deref(),
            user.image.as_deref(),
        )
    }

    /// Maps `profile` with the provider's mapping (or the default one).
    pub(in crate::providers::presets) fn map(
        provider: &OAuth,
        profile: &serde_json::Value,
    ) -> User {
        provider.map_profile(profile, &TokenSet::default()).unwrap()
    }
}
