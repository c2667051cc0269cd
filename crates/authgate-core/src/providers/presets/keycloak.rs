//! Keycloak (OpenID Connect, a realm's issuer).

use super::common::oidc;
use crate::OAuth;

/// Keycloak: OpenID Connect by discovery from a realm's issuer,
/// `https://<host>/realms/<realm>` (Keycloak before 17: `https://<host>/auth/realms/<realm>`),
/// scope `openid profile email`, state, PKCE and nonce. The client is a confidential
/// OpenID Connect client of the realm (client authentication on). The profile is the
/// id_token's claims with userinfo: `sub`, `name` (or `preferred_username`), `email`,
/// `picture`.
///
/// ```
/// let keycloak = authgate_core::presets::keycloak(
///     "https://sso.example.com/realms/demo",
///     "web-app",
///     "secret",
/// );
/// assert_eq!(keycloak.provider_id(), "keycloak");
/// assert_eq!(keycloak.display_name(), "Keycloak");
/// ```
pub fn keycloak(
    issuer: impl Into<String>,
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
) -> OAuth {
    oidc("keycloak", "Keycloak", issuer, client_id, client_secret)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oidc_defaults, authorize_query, fields, map};
    use super::*;

    const ISSUER: &str = "https://sso.example.com/realms/demo";

    #[test]
    fn is_oidc_by_the_realm_issuer() {
        let p = keycloak(ISSUER, "web-app", "secret");
        assert_eq!(
            (p.provider_id(), p.display_name()),
            ("keycloak", "Keycloak")
        );
        assert_oidc_defaults(&p, ISSUER);
    }

    #[test]
    fn maps_the_id_token_claims() {
        // The claims of a Keycloak id_token (Auth.js's `KeycloakProfile`; the realm's
        // default `profile` and `email` client scopes).
        let claims = serde_json::json!({
            "exp": 1700000300, "iat": 1700000000, "auth_time": 1699999990,
            "jti": "6bd2a4f5-0c84-4d3c-9d32-3a0c7c3f0e51", "iss": ISSUER, "aud": "web-app",
            "sub": "f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "typ": "ID", "azp": "web-app",
            "nonce": "n", "session_state": "0f9e8d7c", "at_hash": "q1w2e3", "acr": "1",
            "sid": "0f9e8d7c", "email_verified": true, "name": "Ida Keycloak",
            "preferred_username": "ida", "given_name": "Ida", "family_name": "Keycloak",
            "email": "ida@example.com"
        });
        let user = map(&keycloak(ISSUER, "web-app", "secret"), &claims);
        assert_eq!(
            fields(&user),
            (
                "f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                Some("Ida Keycloak"),
                Some("ida@example.com"),
                None
            )
        );
    }

    #[test]
    fn authorization_url_has_the_oidc_scope() {
        let p = keycloak(ISSUER, "web-app", "secret");
        let query = authorize_query(&p, &format!("{ISSUER}/protocol/openid-connect/auth"));
        assert_eq!(query["scope"], "openid profile email");
    }
}
