//! A token request's form and its client authentication (RFC 6749 sections 2.3.1 and
//! 4.1.3): `client_secret_basic` or `client_secret_post`, never both.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use percent_encoding::percent_decode_str;

use super::error::OAuthError;
use super::state::{AppleVerifier, Shared};
use super::{CLIENT_ID, CLIENT_SECRET};

/// A parsed token request: its form parameters (each once) and its Basic credentials.
#[derive(Debug)]
pub(crate) struct TokenRequest {
    params: BTreeMap<String, String>,
    basic: Option<(String, String)>,
}

impl TokenRequest {
    /// Reads an `application/x-www-form-urlencoded` POST body and its Authorization
    /// header.
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let mut params = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            if params
                .insert(name.to_string(), value.into_owned())
                .is_some()
            {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {name} is repeated"
                )));
            }
        }
        let basic = match headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(basic_credentials(value.to_str().unwrap_or_default())?),
        };
        Ok(Self { params, basic })
    }

    /// A parameter, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A parameter that must be present (`invalid_request` otherwise).
    pub(crate) fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::invalid_request(format!("missing {name}")))
    }

    /// Authenticates the client, by Basic or by the body's `client_id` and
    /// `client_secret` (with an Apple client configured: only by a posted ES256 client
    /// secret JWT).
    pub(crate) fn authenticate(&self, idp: &Shared) -> Result<(), OAuthError> {
        if let Some(apple) = &idp.apple {
            return self.authenticate_apple(apple);
        }
        let body_id = self.get("client_id");
        let body_secret = self.get("client_secret");
        let basic = self.basic.is_some();
        let (id, secret) = match (&self.basic, body_secret) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "more than one client authentication method",
                ))
            }
            (Some((id, secret)), None) => {
                if body_id.is_some_and(|body_id| body_id != id) {
                    return Err(OAuthError::invalid_client(
                        "client_id differs from the Basic user",
                        true,
                    ));
                }
                (id.as_str(), secret.as_str())
            }
            (None, Some(secret)) => (body_id.unwrap_or_default(), secret),
            (None, None) => {
                return Err(OAuthError::invalid_client(
                    "no client authentication",
                    false,
                ))
            }
        };
        if id != CLIENT_ID {
            return Err(OAuthError::invalid_client("unknown client", basic));
        }
        if secret != CLIENT_SECRET {
            return Err(OAuthError::invalid_client("wrong client secret", basic));
        }
        Ok(())
    }
}

impl TokenRequest {
    /// Sign in with Apple's client authentication: `client_id` and a `client_secret`
    /// that is an ES256 JWT of the team's key (`kid` its key id) with `iss` the team,
    /// `sub` the client, `aud` `https://appleid.apple.com`, and an `exp` to come.
    fn authenticate_apple(&self, apple: &AppleVerifier) -> Result<(), OAuthError> {
        if self.basic.is_some() {
            return Err(OAuthError::invalid_client(
                "Apple takes client_secret_post only",
                true,
            ));
        }
        if self.get("client_id") != Some(CLIENT_ID) {
            return Err(OAuthError::invalid_client("unknown client", false));
        }
        let secret = self.require("client_secret")?;
        let wrong = |why: String| OAuthError::invalid_client(why, false);
        let header = jsonwebtoken::decode_header(secret)
            .map_err(|e| wrong(format!("client_secret is not a JWT: {e}")))?;
        if header.kid.as_deref() != Some(apple.key_id.as_str()) {
            return Err(wrong("client_secret names another key".into()));
        }
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.set_audience(&["https://appleid.apple.com"]);
        validation.set_issuer(&[apple.team_id.as_str()]);
        validation.sub = Some(CLIENT_ID.to_owned());
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<serde_json::Value>(secret, &apple.key, &validation)
            .map_err(|e| wrong(format!("client_secret refused: {e}")))?;
        Ok(())
    }
}

/// The id and secret of `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(value: &str) -> Result<(String, String), OAuthError> {
    let bad = |why: &str| OAuthError::invalid_client(format!("Authorization: {why}"), true);
    let (scheme, encoded) = value.split_once(' ').ok_or_else(|| bad("not Basic"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad("not Basic"));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad("not UTF-8"))?;
    let (id, secret) = decoded.split_once(':').ok_or_else(|| bad("no colon"))?;
    Ok((form_decode(id)?, form_decode(secret)?))
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decode(s: &str) -> Result<String, OAuthError> {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OAuthError::invalid_client("Basic credentials are not UTF-8", true))
}
