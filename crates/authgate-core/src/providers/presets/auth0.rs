//! Auth0 (OpenID Connect, a tenant's issuer).

use super::common::oidc;
use crate::OAuth;

/// Auth0: OpenID Connect by discovery from the tenant's issuer, scope
/// `openid profile email`, state, PKCE and nonce. The profile is the id_token's claims
/// with userinfo: `sub` (`auth0|…`, `google-oauth2|…`), `name` (or `nickname`), `email`,
/// `picture`.
///
/// The issuer is kept exactly as given and compared exactly with the one Auth0
/// publishes, which ends with a slash: `https://<tenant>.<region>.auth0.com/` (or
/// `https://login.example.com/` on a custom domain). Without the slash the sign-in fails
/// at its start (`error=Configuration`: discovery names another issuer).
///
/// ```
/// let auth0 = authgate_core::presets::auth0("https://example.us.auth0.com/", "client-id", "secret");
/// assert_eq!(auth0.provider_id(), "auth0");
/// assert_eq!(auth0.display_name(), "Auth0");
/// ```
pub fn auth0(
    issuer: impl Into<String>,
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
) -> OAuth {
    oidc("auth0", "Auth0", issuer, client_id, client_secret)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oidc_defaults, authorize_query, fields, map};
    use super::*;

    const ISSUER: &str = "https://example.us.auth0.com/";

    #[test]
    fn is_oidc_by_the_issuer_as_given() {
        let p = auth0(ISSUER, "cid", "secret");
        assert_eq!((p.provider_id(), p.display_name()), ("auth0", "Auth0"));
        assert_oidc_defaults(&p, ISSUER);
        let p = auth0("https://example.us.auth0.com", "cid", "secret");
        assert_eq!(
            p.issuer.as_deref(),
            Some("https://example.us.auth0.com"),
            "no slash added"
        );
    }

    #[test]
    fn maps_the_claims_and_userinfo() {
        // The claims of an Auth0 id_token with `openid profile email` (auth0.com/docs,
        // "ID Token Structure" and "User Profile Structure"; Auth.js's `Auth0Profile`).
        let claims = serde_json::json!({
            "given_name": "Jane", "family_name": "Doe", "nickname": "jane.doe",
            "name": "Jane Doe", "picture": "https://s.gravatar.com/avatar/abc?s=480",
            "updated_at": "2024-01-01T00:00:00.000Z", "email": "jane.doe@example.com",
            "email_verified": true, "iss": ISSUER, "aud": "cid",
            "iat": 1700000000, "exp": 1700036000, "sub": "auth0|6543210fedcba98765432100",
            "sid": "Xk3z", "nonce": "n"
        });
        let user = map(&auth0(ISSUER, "cid", "secret"), &claims);
        assert_eq!(
            fields(&user),
            (
                "auth0|6543210fedcba98765432100",
                Some("Jane Doe"),
                Some("jane.doe@example.com"),
                Some("https://s.gravatar.com/avatar/abc?s=480")
            )
        );
    }

    #[test]
    fn authorization_url_has_the_oidc_scope() {
        let p = auth0(ISSUER, "cid", "secret").param("audience", "https://api.example.com");
        let query = authorize_query(&p, "https://example.us.auth0.com/authorize");
        assert_eq!(query["scope"], "openid profile email");
        assert_eq!(query["audience"], "https://api.example.com");
    }
}
