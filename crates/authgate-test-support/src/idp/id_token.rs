//! The id_token (OIDC Core 2 and 3.1.3.6), spoiled as the misbehaviour says.

use serde_json::{json, Map, Value};

use super::error::OAuthError;
use super::keys;
use super::misbehave::Misbehaviour;
use super::state::{Grant, Settings, Shared};
use super::CLIENT_ID;

/// The id_token of a grant, if its scope has `openid` (and the provider does not
/// withhold it). `nonce` is the authorization request's (none on a refresh).
pub(crate) fn id_token(
    idp: &Shared,
    settings: &Settings,
    grant: &Grant,
    nonce: Option<&str>,
) -> Result<Option<String>, OAuthError> {
    let misbehaviour = settings.misbehaviour;
    // Apple answers an id_token for its `name email` scope, without `openid`.
    let openid = grant.has_scope("openid") || idp.apple.is_some();
    if !openid || misbehaviour == Some(Misbehaviour::NoIdToken) {
        return Ok(None);
    }
    let now = crate::now();
    let lifetime = i64::try_from(idp.access_token_ttl.as_secs()).unwrap_or(3600);
    let mut claims = Map::new();
    match &idp.tenant {
        Some(tenant) => {
            let named = match misbehaviour {
                Some(Misbehaviour::OtherTenantIssuer) => "other-tenant",
                _ => tenant.id.as_str(),
            };
            claims.insert("iss".into(), json!(idp.issuer_for(named)));
            claims.insert("tid".into(), json!(tenant.id));
        }
        None => {
            claims.insert("iss".into(), json!(idp.issuer));
        }
    }
    claims.insert("sub".into(), json!(grant.user.sub));
    claims.insert("aud".into(), json!(CLIENT_ID));
    claims.insert("azp".into(), json!(CLIENT_ID));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + lifetime));
    claims.insert("auth_time".into(), json!(grant.auth_time));
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if !settings.minimal_id_token {
        if let Value::Object(profile) = grant.user.profile_claims() {
            claims.extend(profile);
        }
    }
    Misbehaviour::spoil_claims(misbehaviour, &mut claims, now);
    let signature = Misbehaviour::signature(misbehaviour);
    keys::sign(
        &Value::Object(claims),
        settings.alg,
        settings.generation,
        signature,
    )
    .map(Some)
    .map_err(|e| OAuthError::server_error(format!("signing the id_token: {e}")))
}
