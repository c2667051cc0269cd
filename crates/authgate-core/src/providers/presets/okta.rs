//! Okta (OpenID Connect, the org or a custom authorization server).

use super::common::oidc;
use crate::OAuth;

/// Okta: OpenID Connect by discovery from an authorization server's issuer, scope
/// `openid profile email`, state, PKCE and nonce. The profile is the id_token's claims
/// with userinfo: `sub`, `name` (or `nickname`, `preferred_username`), `email`,
/// `picture`.
///
/// The issuer is either
/// - the org authorization server, `https://<org>.okta.com` (sign-in to the org's apps),
/// - or a custom authorization server, `https://<org>.okta.com/oauth2/<id>`
///   (`…/oauth2/default` for the default one; needed for access tokens for your own
///   APIs).
///
/// ```
/// let okta = authgate_core::presets::okta("https://example.okta.com/oauth2/default", "client-id", "secret");
/// assert_eq!(okta.provider_id(), "okta");
/// assert_eq!(okta.display_name(), "Okta");
/// ```
pub fn okta(
    issuer: impl Into<String>,
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
) -> OAuth {
    oidc("okta", "Okta", issuer, client_id, client_secret)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oidc_defaults, authorize_query, fields, map};
    use super::*;

    #[test]
    fn is_oidc_by_the_org_or_a_custom_server() {
        for issuer in [
            "https://example.okta.com",
            "https://example.okta.com/oauth2/default",
        ] {
            let p = okta(issuer, "cid", "secret");
            assert_eq!((p.provider_id(), p.display_name()), ("okta", "Okta"));
            assert_oidc_defaults(&p, issuer);
        }
    }

    #[test]
    fn maps_the_id_token_claims() {
        // The claims of an Okta id_token with `openid profile email`
        // (developer.okta.com, "OpenID Connect & OAuth 2.0 API", ID token payload;
        // Auth.js's `OktaProfile`).
        let claims = serde_json::json!({
            "ver": 1, "iss": "https://example.okta.com/oauth2/default",
            "sub": "00uid4BxXw6I6TV4m0g3", "aud": "cid", "iat": 1700000000,
            "exp": 1700003600, "jti": "ID.4eAWJOCMB3SX8XewDfVR", "amr": ["pwd"],
            "idp": "00ok1u7AsAkrwdZL3z0g3", "nonce": "n", "auth_time": 1699999990,
            "name": "John Doe", "preferred_username": "john.doe@example.com",
            "email": "john.doe@example.com", "email_verified": true,
            "zoneinfo": "America/Los_Angeles", "locale": "en-US",
            "updated_at": 1699000000
        });
        let user = map(
            &okta("https://example.okta.com/oauth2/default", "cid", "s"),
            &claims,
        );
        assert_eq!(
            fields(&user),
            (
                "00uid4BxXw6I6TV4m0g3",
                Some("John Doe"),
                Some("john.doe@example.com"),
                None
            )
        );
    }

    #[test]
    fn authorization_url_has_the_oidc_scope() {
        let issuer = "https://example.okta.com/oauth2/default";
        let query = authorize_query(&okta(issuer, "cid", "s"), &format!("{issuer}/v1/authorize"));
        assert_eq!(query["scope"], "openid profile email");
    }
}
