//! Tests of the mock provider, driven over HTTP with reqwest, as a client would.

mod flow;
mod github;
mod keys;
mod misbehave;

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::{header, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use super::{MockIdp, CLIENT_ID, CLIENT_SECRET};
use crate::{b64url, form_encode};

/// The client's redirect_uri (never contacted: redirects are not followed).
const REDIRECT: &str = "http://127.0.0.1:9/callback?from=idp";
/// The state and nonce the default authorization request sends.
const STATE: &str = "state-1";
const NONCE: &str = "nonce-1";

/// An HTTP client that does not follow redirects.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A PKCE verifier and its S256 challenge.
struct Pkce {
    verifier: String,
    challenge: String,
}

impl Pkce {
    fn new() -> Self {
        let verifier = b64url(&rand::random::<[u8; 32]>());
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

/// A valid OIDC authorization request's parameters.
fn authorize_params(pkce: &Pkce) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", CLIENT_ID.into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", "openid profile email".into()),
        ("state", STATE.into()),
        ("nonce", NONCE.into()),
        ("code_challenge", pkce.challenge.clone()),
        ("code_challenge_method", "S256".into()),
    ]
}

/// `params` with `name` set to `value` (or removed when `None`).
fn with(
    mut params: Vec<(&'static str, String)>,
    name: &'static str,
    value: Option<&str>,
) -> Vec<(&'static str, String)> {
    params.retain(|(n, _)| *n != name);
    if let Some(value) = value {
        params.push((name, value.to_owned()));
    }
    params
}

/// `GET {url}?{params}`.
async fn get_authorize(url: &str, params: &[(&str, String)]) -> Response {
    http()
        .get(url)
        .query(params)
        .send()
        .await
        .expect("authorize")
}

/// The query parameters of a 302 back to [`REDIRECT`].
fn redirect_params(response: &Response) -> BTreeMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .expect("location");
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = Url::parse(location).expect("location URL");
    url.query_pairs().into_owned().collect()
}

/// The code of an approved default authorization request.
async fn code(idp: &MockIdp, pkce: &Pkce) -> String {
    let response =
        get_authorize(&format!("{}/authorize", base(idp)), &authorize_params(pkce)).await;
    let params = redirect_params(&response);
    assert_eq!(params["state"], STATE);
    params["code"].clone()
}

/// The issuer without its trailing slash.
fn base(idp: &MockIdp) -> String {
    idp.issuer().trim_end_matches('/').to_owned()
}

/// How a token request authenticates the client.
#[derive(Clone, Copy, Debug)]
enum Auth<'a> {
    /// `client_secret_basic`, form-urlencoded as RFC 6749 says.
    Basic(&'a str, &'a str),
    /// `client_secret_post`.
    Post(&'a str, &'a str),
}

impl Auth<'static> {
    const BASIC: Self = Self::Basic(CLIENT_ID, CLIENT_SECRET);
    const POST: Self = Self::Post(CLIENT_ID, CLIENT_SECRET);
}

/// The RFC 6749 Basic header value of an id and a secret.
fn basic(id: &str, secret: &str) -> String {
    let credentials = format!("{}:{}", form_encode(id), form_encode(secret));
    format!("Basic {}", STANDARD.encode(credentials))
}

/// POSTs a form to the token endpoint at `url`.
async fn post_token(url: &str, form: &[(&str, &str)], auth: Auth<'_>) -> Response {
    let mut form = form.to_vec();
    let mut request = http().post(url);
    match auth {
        Auth::Basic(id, secret) => {
            request = request.header(header::AUTHORIZATION, basic(id, secret));
        }
        Auth::Post(id, secret) => {
            form.extend([("client_id", id), ("client_secret", secret)]);
        }
    }
    request.form(&form).send().await.expect("token request")
}

/// A token request's status and JSON body.
async fn token(idp: &MockIdp, form: &[(&str, &str)], auth: Auth<'_>) -> (StatusCode, Value) {
    let response = post_token(&token_url(idp), form, auth).await;
    (response.status(), json_of(response).await)
}

/// The token endpoint's URL.
fn token_url(idp: &MockIdp) -> String {
    format!("{}/token", base(idp))
}

/// The form that redeems `code` (sent to `redirect_uri`) with the PKCE verifier.
fn code_form<'a>(
    code: &'a str,
    redirect_uri: &'a str,
    pkce: &'a Pkce,
) -> [(&'static str, &'a str); 4] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", &pkce.verifier),
    ]
}

/// Redeems a code of the default request (Basic authentication): the whole response.
async fn redeem_response(idp: &MockIdp, code: &str, pkce: &Pkce) -> Response {
    post_token(
        &token_url(idp),
        &code_form(code, REDIRECT, pkce),
        Auth::BASIC,
    )
    .await
}

/// Redeems a code of the default request.
async fn redeem(idp: &MockIdp, code: &str, pkce: &Pkce) -> (StatusCode, Value) {
    token(idp, &code_form(code, REDIRECT, pkce), Auth::BASIC).await
}

/// The JSON body of a response.
async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// The discovery document.
async fn discovery(idp: &MockIdp) -> Value {
    json_of(
        http()
            .get(idp.discovery_url())
            .send()
            .await
            .expect("discovery"),
    )
    .await
}

/// A whole sign-in: the token answer.
async fn login(idp: &MockIdp) -> Value {
    let pkce = Pkce::new();
    let code = code(idp, &pkce).await;
    let (status, body) = redeem(idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The id_token of a whole sign-in.
async fn login_id_token(idp: &MockIdp) -> String {
    login(idp).await["id_token"]
        .as_str()
        .expect("an id_token")
        .to_owned()
}

/// The provider's JWKS.
async fn fetch_jwks(idp: &MockIdp) -> JwkSet {
    let url = format!("{}/jwks", base(idp));
    let response = http().get(url).send().await.expect("jwks");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a JWK set")
}

/// Verifies an id_token as a client must: the kid's key from `jwks`, the key's
/// algorithm, the issuer, the audience, the lifetime. The claims.
fn verify_with(
    idp: &MockIdp,
    jwks: &JwkSet,
    id_token: &str,
) -> Result<Value, jsonwebtoken::errors::Error> {
    use jsonwebtoken::errors::ErrorKind;
    let header = jsonwebtoken::decode_header(id_token)?;
    let kid = header.kid.ok_or(ErrorKind::InvalidToken)?;
    let jwk = jwks.find(&kid).ok_or(ErrorKind::InvalidToken)?;
    let alg = jwk
        .common
        .key_algorithm
        .ok_or(ErrorKind::InvalidAlgorithm)?
        .try_into()?;
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[idp.issuer()]);
    validation.set_audience(&[CLIENT_ID]);
    validation.leeway = 0;
    let key = DecodingKey::from_jwk(jwk)?;
    jsonwebtoken::decode::<Value>(id_token, &key, &validation).map(|data| data.claims)
}

/// [`verify_with`] the provider's current JWKS.
async fn verify(idp: &MockIdp, id_token: &str) -> Result<Value, jsonwebtoken::errors::Error> {
    let jwks = fetch_jwks(idp).await;
    verify_with(idp, &jwks, id_token)
}

/// The header and claims of a JWT, unverified.
fn peek(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut json = || {
        let part = parts.next().expect("a JWT part");
        serde_json::from_slice(&crate::b64url_decode(part).expect("base64url")).expect("JSON")
    };
    (json(), json())
}

/// `GET` or `POST` userinfo with a bearer token.
async fn userinfo(idp: &MockIdp, access_token: &str) -> Response {
    http()
        .get(format!("{}/userinfo", base(idp)))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo")
}
