//! Google (OpenID Connect, issuer `https://accounts.google.com`).

use super::common::oidc;
use crate::OAuth;

/// Google's issuer: the endpoints and keys come from its discovery document.
const ISSUER: &str = "https://accounts.google.com";

/// Google: OpenID Connect by discovery from `https://accounts.google.com`, scope
/// `openid profile email`, state, PKCE and nonce. The profile is the id_token's claims
/// (`sub`, `name`, `email`, `picture`; `email_verified` and `hd` stay in the profile the
/// callbacks get).
///
/// Google gives a refresh token only on the first consent; to get one on every sign-in,
/// ask for offline access and the consent screen:
///
/// ```
/// use authgate_core::presets;
///
/// let google = presets::google("123.apps.googleusercontent.com", "secret")
///     .param("access_type", "offline")
///     .param("prompt", "consent");
/// assert_eq!(google.provider_id(), "google");
/// assert_eq!(google.display_name(), "Google");
/// ```
pub fn google(client_id: impl Into<String>, client_secret: impl Into<String>) -> OAuth {
    oidc("google", "Google", ISSUER, client_id, client_secret)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oidc_defaults, authorize_query, fields, map};
    use super::*;

    #[test]
    fn is_oidc_by_discovery() {
        let p = google("cid", "secret");
        assert_eq!((p.provider_id(), p.display_name()), ("google", "Google"));
        assert_oidc_defaults(&p, ISSUER);
    }

    #[test]
    fn maps_the_id_token_claims() {
        // The claims of a Google id_token (developers.google.com/identity/openid-connect,
        // "An ID token's payload"; Auth.js's `GoogleProfile`).
        let claims = serde_json::json!({
            "iss": "https://accounts.google.com", "azp": "123.apps.googleusercontent.com",
            "aud": "123.apps.googleusercontent.com", "sub": "110169484474386276334",
            "hd": "example.com", "email": "jsmith@example.com", "email_verified": true,
            "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q", "name": "Jane Smith",
            "picture": "https://lh3.googleusercontent.com/a/ACg8ocK=s96-c",
            "given_name": "Jane", "family_name": "Smith", "iat": 1353601026, "exp": 1353604926
        });
        let user = map(&google("cid", "secret"), &claims);
        assert_eq!(
            fields(&user),
            (
                "110169484474386276334",
                Some("Jane Smith"),
                Some("jsmith@example.com"),
                Some("https://lh3.googleusercontent.com/a/ACg8ocK=s96-c")
            )
        );
    }

    #[test]
    fn authorization_url_carries_scope_and_offline_params() {
        let p = google("cid", "secret")
            .param("access_type", "offline")
            .param("prompt", "consent");
        // What Google's discovery document names.
        let query = authorize_query(&p, "https://accounts.google.com/o/oauth2/v2/auth");
        assert_eq!(query["scope"], "openid profile email");
        assert_eq!(query["access_type"], "offline");
        assert_eq!(query["prompt"], "consent");
        assert!(!query.contains_key("response_mode"));
    }
}
