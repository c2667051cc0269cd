//! Microsoft Entra ID (OpenID Connect, v2.0 endpoints of
//! `https://login.microsoftonline.com/<tenant>/v2.0`).

use serde_json::Value;

use super::common::{account_id, first_text, oidc};
use crate::{Error, OAuth, User};

/// The tenant id of personal Microsoft accounts: the issuer of their id_tokens, and
/// the issuer the `consumers` discovery document names.
const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Microsoft Entra ID: OpenID Connect by discovery from
/// `https://login.microsoftonline.com/<tenant>/v2.0`, scope
/// `openid profile email User.Read`, state, PKCE and nonce.
///
/// `tenant` is who may sign in:
/// - `common`: work or school accounts of any tenant, and personal accounts;
/// - `organizations`: work or school accounts of any tenant;
/// - `consumers`: personal accounts (the preset uses the consumers tenant's id,
///   `9188040d-6c67-4c5b-b112-36a304b66dad`, which is what that discovery document and
///   the id_tokens name as the issuer);
/// - a tenant id (a GUID): the accounts of that tenant. Use the GUID, not a domain
///   name: the discovery document of `contoso.onmicrosoft.com` names the GUID issuer,
///   and the issuer compare is exact.
///
/// For `common` and `organizations` the discovered issuer is the multi-tenant template
/// `https://login.microsoftonline.com/{tenantid}/v2.0`; the engine fills `{tenantid}`
/// from each id_token's `tid` claim before comparing its `iss`. To admit only some
/// tenants, check `tid` in the `sign_in` callback.
///
/// The profile is the id_token's claims (userinfo is not fetched, as Auth.js): the
/// object id `sub`, `name`, and `email` only (as Auth.js). `preferred_username` is never
/// used as the email: in Entra ID it, like `email`, is set by the tenant, not verified,
/// so with `common`/`organizations` any tenant could claim any address ("nOAuth"); do
/// not authorize or link accounts by email for multi-tenant sign-in. No image (Microsoft Graph's photo
/// needs an authenticated request).
///
/// ```
/// let entra = authgate_core::presets::microsoft_entra_id("app-id", "secret", "common");
/// assert_eq!(entra.provider_id(), "microsoft-entra-id");
/// assert_eq!(entra.display_name(), "Microsoft Entra ID");
/// ```
pub fn microsoft_entra_id(
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
    tenant: impl AsRef<str>,
) -> OAuth {
    let tenant = match tenant.as_ref() {
        "consumers" => CONSUMERS_TENANT_ID,
        other => other,
    };
    let issuer = format!("https://login.microsoftonline.com/{tenant}/v2.0");
    oidc(
        "microsoft-entra-id",
        "Microsoft Entra ID",
        issuer,
        client_id,
        client_secret,
    )
    .scope("openid profile email User.Read")
    .fetch_userinfo(false)
    .profile(|profile, _tokens| profile_to_user(profile))
}

fn profile_to_user(profile: &Value) -> Result<User, Error> {
    Ok(User {
        id: account_id(profile, "sub", "Microsoft Entra ID")?,
        name: first_text(profile, &["name"]),
        email: first_text(profile, &["email"]),
        image: None,
        ..User::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{authorize_query, fields, map};
    use super::*;
    use crate::{Check, OAuthKind};

    /// The claims of a v2.0 id_token (learn.microsoft.com, "ID token claims reference",
    /// its sample token): no `email`, the sign-in name in `preferred_username`.
    fn recorded_claims() -> Value {
        serde_json::json!({
            "ver": "2.0",
            "iss": "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0",
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "aud": "6cb04018-a3f5-46a7-b995-940c78f5aef3", "exp": 1536361411,
            "iat": 1536274711, "nbf": 1536274711, "name": "Abe Lincoln",
            "preferred_username": "AbeLi@microsoft.com",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "tid": "9122040d-6c67-4c5b-b112-36a304b66dad",
            "nonce": "123523", "aio": "Df2UVXL1ix!lMCWMSOJBcFatzcGfvFGhjKv8q5g0x732dR5MB5BisvGQO7YWByjd8iQDLq!eGbIDakyp5mnOrcdqHeYSnltepQmRp6AIZ8jY"
        })
    }

    #[test]
    fn issuer_scope_and_checks() {
        let p = microsoft_entra_id("app", "secret", "common");
        assert_eq!(p.kind(), OAuthKind::Oidc);
        assert_eq!(
            p.issuer.as_deref(),
            Some("https://login.microsoftonline.com/common/v2.0")
        );
        assert_eq!(p.scope, "openid profile email User.Read");
        assert!(!p.fetch_userinfo);
        for check in [Check::State, Check::Pkce, Check::Nonce] {
            assert!(p.has_check(check), "{check:?}");
        }
        assert!(p.validate().is_ok());
        let tenant = "9122040d-6c67-4c5b-b112-36a304b66dad";
        let p = microsoft_entra_id("app", "secret", tenant);
        assert_eq!(
            p.issuer,
            Some(format!("https://login.microsoftonline.com/{tenant}/v2.0"))
        );
        let p = microsoft_entra_id("app", "secret", "consumers");
        assert_eq!(
            p.issuer,
            Some(format!(
                "https://login.microsoftonline.com/{CONSUMERS_TENANT_ID}/v2.0"
            ))
        );
    }

    #[test]
    fn the_email_is_the_email_claim_only() {
        let p = microsoft_entra_id("app", "secret", "organizations");
        let user = map(&p, &recorded_claims());
        assert_eq!(
            fields(&user),
            (
                "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
                Some("Abe Lincoln"),
                None,
                None
            ),
            "preferred_username is not an email"
        );
        let mut claims = recorded_claims();
        claims["email"] = "abe@contoso.example".into();
        assert_eq!(
            map(&p, &claims).email.as_deref(),
            Some("abe@contoso.example")
        );
    }

    #[test]
    fn authorization_url_asks_for_graph_user_read() {
        let p = microsoft_entra_id("app", "secret", "common");
        // What the `common` discovery document names.
        let query = authorize_query(
            &p,
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        );
        assert_eq!(query["scope"], "openid profile email User.Read");
    }
}
