//! OpenID Connect: discovery (cached per issuer), the JWKS (cached per `jwks_uri`,
//! refetched when an id_token names an unknown `kid`, at most once per cooldown), and the
//! id_token checks: signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use jsonwebtoken::{
    jwk::{Jwk, JwkSet},
    Algorithm, DecodingKey, Validation,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::{
    client::{json_body, Endpoints},
    OAuth,
};
use crate::{token::CLOCK_TOLERANCE_SECS, Error, ErrorCode};

/// How long a discovery document is kept.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// How long a key set is trusted before it is fetched again (a key the provider pulled
/// stops verifying within this time).
const JWKS_TTL: Duration = Duration::from_secs(600);
/// The shortest time between two JWKS refetches caused by unknown `kid`s (a forged
/// `kid` must not turn every request into a fetch).
pub(crate) const UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(10);
/// The algorithms an id_token may use (asymmetric only: no `none`, no HMAC with a
/// public key).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The parts of a discovery document authgate uses.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Metadata {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: Option<String>,
}

struct JwksEntry {
    keys: Arc<JwkSet>,
    fetched: Instant,
    /// When an unknown `kid` last caused a refetch.
    last_unknown_kid_refetch: Option<Instant>,
}

/// Discovery documents and key sets, shared by every request of an engine.
#[derive(Default)]
pub(crate) struct OidcCache {
    discovery: Mutex<HashMap<String, (Instant, Arc<Metadata>)>>,
    jwks: Mutex<HashMap<String, JwksEntry>>,
}

fn sign_in_error(detail: String) -> Error {
    Error::auth(ErrorCode::OAuthSignInError, detail)
}

fn callback_error(detail: String) -> Error {
    Error::auth(ErrorCode::CallbackRouteError, detail)
}

impl OidcCache {
    /// The discovery document of an issuer (cached for an hour). Its `issuer` must equal
    /// the configured one exactly (Auth0's trailing slash included), except that a
    /// multi-tenant template (`{tenantid}`, Entra ID) stands for any tenant.
    pub(crate) async fn discover(
        &self,
        http: &reqwest::Client,
        issuer: &str,
    ) -> Result<Arc<Metadata>, Error> {
        if let Some((at, meta)) = self.lock_discovery().get(issuer) {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(Arc::clone(meta));
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let res = http
            .get(&url)
            .send()
            .await
            .map_err(|e| sign_in_error(format!("discovery at {url} failed: {e}")))?;
        if !res.status().is_success() {
            return Err(sign_in_error(format!(
                "discovery at {url} answered {}",
                res.status()
            )));
        }
        let meta: Metadata = json_body(res)
            .await
            .map_err(|e| sign_in_error(format!("discovery at {url}: {e}")))?;
        if meta.issuer != issuer && !(meta.issuer.contains("{tenantid}") && is_multi_tenant(issuer))
        {
            return Err(sign_in_error(format!(
                "discovery at {url} names the issuer {:?}, not {issuer:?}",
                meta.issuer
            )));
        }
        let meta = Arc::new(meta);
        self.lock_discovery()
            .insert(issuer.to_owned(), (Instant::now(), Arc::clone(&meta)));
        Ok(meta)
    }

    fn lock_discovery(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<Metadata>)>> {
        self.discovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_jwks(&self) -> std::sync::MutexGuard<'_, HashMap<String, JwksEntry>> {
        self.jwks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The endpoints of a provider: its own settings, completed by discovery when it
    /// has an issuer and lacks one.
    pub(crate) async fn endpoints(
        &self,
        http: &reqwest::Client,
        provider: &OAuth,
    ) -> Result<Endpoints, Error> {
        let needs_discovery = provider.issuer.is_some()
            && (provider.authorization_endpoint.is_none()
                || provider.token_endpoint.is_none()
                || (provider.kind == super::OAuthKind::Oidc && provider.jwks_uri.is_none()));
        let meta = match (&provider.issuer, needs_discovery) {
            (Some(issuer), true) => Some(self.discover(http, issuer).await?),
            _ => None,
        };
        let pick = |own: &Option<String>, found: Option<&String>| own.clone().or(found.cloned());
        let authorization = pick(
            &provider.authorization_endpoint,
            meta.as_ref().map(|m| &m.authorization_endpoint),
        );
        let token = pick(
            &provider.token_endpoint,
            meta.as_ref().and_then(|m| m.token_endpoint.as_ref()),
        );
        let (Some(authorization), Some(token)) = (authorization, token) else {
            return Err(sign_in_error(format!(
                "provider {:?} has no authorization or token endpoint",
                provider.id
            )));
        };
        let endpoints = Endpoints {
            authorization,
            token,
            userinfo: pick(
                &provider.userinfo_endpoint,
                meta.as_ref().and_then(|m| m.userinfo_endpoint.as_ref()),
            ),
            jwks_uri: pick(
                &provider.jwks_uri,
                meta.as_ref().and_then(|m| m.jwks_uri.as_ref()),
            ),
            issuer: meta
                .as_ref()
                .map(|m| m.issuer.clone())
                .or_else(|| provider.issuer.clone()),
        };
        for url in [&endpoints.authorization, &endpoints.token]
            .into_iter()
            .chain(endpoints.userinfo.as_ref())
            .chain(endpoints.jwks_uri.as_ref())
        {
            if !super::is_safe_url(url) {
                return Err(sign_in_error(format!(
                    "provider {:?}: endpoint {url:?} is not https",
                    provider.id
                )));
            }
        }
        Ok(endpoints)
    }

    async fn fetch_jwks(&self, http: &reqwest::Client, uri: &str) -> Result<Arc<JwkSet>, Error> {
        let res = http
            .get(uri)
            .send()
            .await
            .map_err(|e| callback_error(format!("JWKS at {uri} failed: {e}")))?;
        if !res.status().is_success() {
            return Err(callback_error(format!(
                "JWKS at {uri} answered {}",
                res.status()
            )));
        }
        let set: JwkSet = json_body(res)
            .await
            .map_err(|e| callback_error(format!("JWKS at {uri}: {e}")))?;
        Ok(Arc::new(set))
    }

    /// The key set of `uri`: cached for [`JWKS_TTL`]; refetched at once when `kid` is not
    /// in it (or when `stale`: a token without `kid` failed with the cached keys), unless
    /// such a refetch already happened within the cooldown.
    async fn keys_for(
        &self,
        http: &reqwest::Client,
        uri: &str,
        kid: Option<&str>,
        stale: bool,
    ) -> Result<Arc<JwkSet>, Error> {
        let cached = self
            .lock_jwks()
            .get(uri)
            .filter(|e| e.fetched.elapsed() < JWKS_TTL)
            .map(|e| Arc::clone(&e.keys));
        let Some(keys) = cached else {
            let keys = self.fetch_jwks(http, uri).await?;
            let mut map = self.lock_jwks();
            let last = map.get(uri).and_then(|e| e.last_unknown_kid_refetch);
            map.insert(
                uri.to_owned(),
                JwksEntry {
                    keys: Arc::clone(&keys),
                    fetched: Instant::now(),
                    last_unknown_kid_refetch: last,
                },
            );
            return Ok(keys);
        };
        let known = match kid {
            Some(kid) => keys.find(kid).is_some(),
            None => !stale,
        };
        if known {
            return Ok(keys);
        }
        let may_refetch = {
            let mut map = self.lock_jwks();
            match map.get_mut(uri) {
                Some(entry)
                    if entry
                        .last_unknown_kid_refetch
                        .is_some_and(|at| at.elapsed() < UNKNOWN_KID_COOLDOWN) =>
                {
                    false
                }
                Some(entry) => {
                    entry.last_unknown_kid_refetch = Some(Instant::now());
                    true
                }
                None => true,
            }
        };
        if !may_refetch {
            tracing::debug!(kid, "unknown kid within the JWKS refetch cooldown");
            return Ok(keys);
        }
        tracing::info!(kid, "unknown kid: refetching the JWKS");
        let fresh = self.fetch_jwks(http, uri).await?;
        if let Some(entry) = self.lock_jwks().get_mut(uri) {
            entry.keys = Arc::clone(&fresh);
            entry.fetched = Instant::now();
        }
        Ok(fresh)
    }

    /// Verifies an id_token and returns its claims.
    pub(crate) async fn verify_id_token(
        &self,
        http: &reqwest::Client,
        provider: &OAuth,
        endpoints: &Endpoints,
        id_token: &str,
        nonce: Option<&str>,
    ) -> Result<Map<String, Value>, Error> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| callback_error(format!("id_token header: {e}")))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(callback_error(format!(
                "id_token algorithm {:?} is not allowed",
                header.alg
            )));
        }
        let uri = endpoints
            .jwks_uri
            .as_deref()
            .ok_or_else(|| callback_error(format!("provider {:?} has no jwks_uri", provider.id)))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = u64::try_from(CLOCK_TOLERANCE_SECS).unwrap_or(15);
        validation.set_audience(&[provider.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        let kid = header.kid.as_deref();
        let keys = self.keys_for(http, uri, kid, false).await?;
        let mut verified = verify_with(&keys, kid, id_token, &validation);
        if kid.is_none() && verified.is_err() {
            // No kid to tell a rotation from a bad token: try fresh keys once.
            let fresh = self.keys_for(http, uri, None, true).await?;
            if !Arc::ptr_eq(&fresh, &keys) {
                verified = verify_with(&fresh, kid, id_token, &validation);
            }
        }
        let claims = verified?;
        check_claims(&claims, provider, endpoints, nonce)?;
        Ok(claims)
    }
}

/// Whether an issuer is Entra ID's multi-tenant one (`.../common/v2.0`,
/// `.../organizations/v2.0`), whose discovery names the `{tenantid}` template.
fn is_multi_tenant(issuer: &str) -> bool {
    url::Url::parse(issuer).is_ok_and(|u| {
        matches!(
            u.path_segments().and_then(|mut s| s.next()),
            Some("common" | "organizations")
        )
    })
}

/// Verifies with the key named by `kid` (or, without one, each key in turn).
fn verify_with(
    keys: &JwkSet,
    kid: Option<&str>,
    id_token: &str,
    validation: &Validation,
) -> Result<Map<String, Value>, Error> {
    let candidates: Vec<&Jwk> = match kid {
        Some(kid) => keys.find(kid).into_iter().collect(),
        None => keys.keys.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(callback_error(format!(
            "id_token key {kid:?} is not in the JWKS"
        )));
    }
    let mut last_error = None;
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) => last_error = Some(e),
        }
    }
    Err(callback_error(match last_error {
        Some(e) => format!("id_token rejected: {e}"),
        None => "id_token: no usable key in the JWKS".to_owned(),
    }))
}

/// The checks `jsonwebtoken` leaves to us: `iss` (exact, with the tenant template),
/// `iat` (present, not in the future), `azp`, `nonce`.
fn check_claims(
    claims: &Map<String, Value>,
    provider: &OAuth,
    endpoints: &Endpoints,
    nonce: Option<&str>,
) -> Result<(), Error> {
    let str_claim = |k: &str| claims.get(k).and_then(Value::as_str);
    if let Some(expected) = &endpoints.issuer {
        let expected = match str_claim("tid") {
            Some(tid) if expected.contains("{tenantid}") => expected.replace("{tenantid}", tid),
            _ => expected.clone(),
        };
        if str_claim("iss") != Some(expected.as_str()) {
            return Err(callback_error(format!(
                "id_token issuer {:?} is not {expected:?}",
                str_claim("iss")
            )));
        }
    }
    let now = crate::time_now();
    match claims.get("iat").and_then(Value::as_i64) {
        Some(iat) if iat <= now + CLOCK_TOLERANCE_SECS => {}
        Some(_) => return Err(callback_error("id_token issued in the future".into())),
        None => return Err(callback_error("id_token has no iat".into())),
    }
    let multiple_audiences = claims
        .get("aud")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 1);
    match str_claim("azp") {
        Some(azp) if azp != provider.client_id => {
            return Err(callback_error("id_token azp is not this client".into()))
        }
        None if multiple_audiences => {
            return Err(callback_error(
                "id_token has several audiences and no azp".into(),
            ))
        }
        _ => {}
    }
    if let Some(expected) = nonce {
        let ok =
            str_claim("nonce").is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected.as_bytes())));
        if !ok {
            return Err(Error::auth(
                ErrorCode::InvalidCheck,
                "id_token nonce does not match its cookie",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn endpoints(issuer: &str) -> Endpoints {
        Endpoints {
            issuer: Some(issuer.to_owned()),
            ..Endpoints::default()
        }
    }

    #[test]
    fn the_tenant_template_is_filled_from_tid() {
        let p = OAuth::oidc("entra", "Entra", "https://login.example/common/v2.0").client_id("c");
        let e = endpoints("https://login.example/{tenantid}/v2.0");
        let now = crate::time_now();
        let ok = claims(serde_json::json!({
            "iss": "https://login.example/t-1/v2.0", "tid": "t-1", "iat": now
        }));
        assert!(check_claims(&ok, &p, &e, None).is_ok());
        let other = claims(serde_json::json!({
            "iss": "https://login.example/t-2/v2.0", "tid": "t-1", "iat": now
        }));
        assert!(check_claims(&other, &p, &e, None).is_err());
        let untemplated = claims(serde_json::json!({
            "iss": "https://login.example/{tenantid}/v2.0", "iat": now
        }));
        assert!(
            check_claims(&untemplated, &p, &e, None).is_ok(),
            "no tid: compared as is"
        );
    }

    #[test]
    fn issuer_is_compared_exactly() {
        let p = OAuth::oidc("a0", "Auth0", "https://t.example/").client_id("c");
        let now = crate::time_now();
        let c = claims(serde_json::json!({"iss": "https://t.example", "iat": now}));
        assert!(check_claims(&c, &p, &endpoints("https://t.example/"), None).is_err());
        let c = claims(serde_json::json!({"iss": "https://t.example/", "iat": now}));
        assert!(check_claims(&c, &p, &endpoints("https://t.example/"), None).is_ok());
    }

    #[test]
    fn iat_azp_and_nonce() {
        let p = OAuth::oidc("x", "X", "https://i.example").client_id("me");
        let e = endpoints("https://i.example");
        let now = crate::time_now();
        let base = serde_json::json!({"iss": "https://i.example", "iat": now, "nonce": "n1"});
        assert!(check_claims(&claims(base.clone()), &p, &e, Some("n1")).is_ok());
        assert!(check_claims(&claims(base.clone()), &p, &e, Some("n2")).is_err());
        let mut no_iat = claims(base.clone());
        no_iat.remove("iat");
        assert!(check_claims(&no_iat, &p, &e, None).is_err());
        let mut future = claims(base.clone());
        future.insert("iat".into(), (now + 3600).into());
        assert!(check_claims(&future, &p, &e, None).is_err());
        let mut many = claims(base.clone());
        many.insert("aud".into(), serde_json::json!(["me", "other"]));
        assert!(
            check_claims(&many, &p, &e, None).is_err(),
            "several audiences, no azp"
        );
        many.insert("azp".into(), "me".into());
        assert!(check_claims(&many, &p, &e, None).is_ok());
        many.insert("azp".into(), "other".into());
        assert!(check_claims(&many, &p, &e, None).is_err());
    }
}
