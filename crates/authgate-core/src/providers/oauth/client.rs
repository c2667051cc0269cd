//! Talking to the provider with the `oauth2` crate: the shared HTTP client, the
//! authorization URL, the code exchange, the refresh, and userinfo.

use std::time::Duration;

use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ClientAuth, OAuth, TokenSet};
use crate::{Error, ErrorCode};

/// The one HTTP client of an engine: never follows redirects (a token or userinfo
/// endpoint that redirects is refused, not followed with the credentials), with connect
/// and total timeouts.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        .user_agent(concat!("authgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Config(format!("the HTTP client could not be built: {e}")))
}

/// The endpoints of a provider, from its config or its discovery document.
#[derive(Clone, Debug, Default)]
pub(crate) struct Endpoints {
    pub(crate) authorization: String,
    pub(crate) token: String,
    pub(crate) userinfo: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    /// The issuer the id_token's `iss` must equal (from discovery, exactly).
    pub(crate) issuer: Option<String>,
}

/// Every field of a token answer besides the standard ones (`id_token`, ...).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Extra {
    #[serde(flatten)]
    fields: Map<String, Value>,
}

impl ExtraTokenFields for Extra {}

type Tokens = StandardTokenResponse<Extra, BasicTokenType>;

type TokenClient = Client<
    BasicErrorResponse,
    Tokens,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn bad_endpoint(provider: &OAuth, what: &str, url: &str) -> Error {
    Error::auth(
        ErrorCode::InvalidEndpoints,
        format!("provider {:?}: {what} {url:?} is not a URL", provider.id),
    )
}

/// A client without endpoints yet.
type BaseClient = Client<
    BasicErrorResponse,
    Tokens,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

/// The client for a provider; the secret (minted if need be) only when it will be sent.
fn base_client(
    provider: &OAuth,
    redirect_uri: &str,
    with_secret: bool,
) -> Result<BaseClient, Error> {
    let mut client = Client::new(ClientId::new(provider.client_id.clone()))
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_owned())
                .map_err(|_| bad_endpoint(provider, "redirect URI", redirect_uri))?,
        )
        .set_auth_type(auth_type(provider));
    match &provider.client_secret {
        Some(secret) if with_secret => {
            client = client.set_client_secret(ClientSecret::new(secret.get()?));
        }
        _ => {}
    }
    Ok(client)
}

fn token_client(
    provider: &OAuth,
    endpoints: &Endpoints,
    redirect_uri: &str,
) -> Result<TokenClient, Error> {
    let token_url = TokenUrl::new(endpoints.token.clone())
        .map_err(|_| bad_endpoint(provider, "token endpoint", &endpoints.token))?;
    Ok(base_client(provider, redirect_uri, true)?.set_token_uri(token_url))
}

/// What the authorization request carries besides the client and the scope.
pub(crate) struct AuthorizationParams<'a> {
    pub(crate) state: &'a str,
    pub(crate) pkce_challenge: Option<PkceCodeChallenge>,
    pub(crate) nonce: Option<&'a str>,
    /// Further params; for a repeated name the last one wins.
    pub(crate) extra: Vec<(String, String)>,
}

/// The parameters a sign-in request may not override.
const RESERVED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "response_mode",
    // A request object would supersede every parameter above (JAR, RFC 9101).
    "request",
    "request_uri",
];

/// The authorization URL to send the browser to.
pub(crate) fn authorization_url(
    provider: &OAuth,
    endpoints: &Endpoints,
    redirect_uri: &str,
    params: AuthorizationParams<'_>,
) -> Result<String, Error> {
    let auth_url = AuthUrl::new(endpoints.authorization.clone())
        .map_err(|_| bad_endpoint(provider, "authorization endpoint", &endpoints.authorization))?;
    let client = base_client(provider, redirect_uri, false)?.set_auth_uri(auth_url);
    let state = params.state.to_owned();
    let mut request = client.authorize_url(move || CsrfToken::new(state));
    for scope in provider.scope.split_whitespace() {
        request = request.add_scope(Scope::new(scope.to_owned()));
    }
    if let Some(challenge) = params.pkce_challenge {
        request = request.set_pkce_challenge(challenge);
    }
    if let Some(nonce) = params.nonce {
        request = request.add_extra_param("nonce", nonce.to_owned());
    }
    if provider.form_post {
        request = request.add_extra_param("response_mode", "form_post");
    }
    let mut seen: Vec<&str> = Vec::new();
    // Later values win: add them last-first, once.
    for (name, value) in params.extra.iter().rev() {
        if RESERVED.contains(&name.as_str()) || seen.contains(&name.as_str()) {
            continue;
        }
        if name == "scope" {
            continue;
        }
        seen.push(name);
        request = request.add_extra_param(name.clone(), value.clone());
    }
    Ok(String::from(request.url().0))
}

/// A new PKCE pair (S256): the challenge for the URL, the verifier for the cookie.
pub(crate) fn pkce_pair() -> (PkceCodeChallenge, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    (challenge, verifier.secret().clone())
}

/// A random value for `state` or `nonce` (32 bytes, base64url).
pub(crate) fn random_token() -> String {
    CsrfToken::new_random_len(32).secret().clone()
}

/// Exchanges an authorization code for tokens.
pub(crate) async fn exchange_code(
    http: &reqwest::Client,
    provider: &OAuth,
    endpoints: &Endpoints,
    redirect_uri: &str,
    code: &str,
    pkce_verifier: Option<String>,
) -> Result<TokenSet, Error> {
    let client = token_client(provider, endpoints, redirect_uri)?;
    let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
    if let Some(verifier) = pkce_verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier));
    }
    let tokens = request
        .request_async(&TokenHttp(http))
        .await
        .map_err(token_error)?;
    Ok(token_set(&tokens))
}

/// Exchanges a refresh token for new tokens (RFC 6749 §6).
pub(crate) async fn refresh(
    http: &reqwest::Client,
    provider: &OAuth,
    endpoints: &Endpoints,
    refresh_token: &str,
) -> Result<TokenSet, Error> {
    let token_url = TokenUrl::new(endpoints.token.clone())
        .map_err(|_| bad_endpoint(provider, "token endpoint", &endpoints.token))?;
    let mut client: TokenClient = BaseClient::new(ClientId::new(provider.client_id.clone()))
        .set_auth_type(auth_type(provider))
        .set_token_uri(token_url);
    if let Some(secret) = &provider.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.get()?));
    }
    let token = RefreshToken::new(refresh_token.to_owned());
    let tokens: Tokens = client
        .exchange_refresh_token(&token)
        .request_async(&TokenHttp(http))
        .await
        .map_err(token_error)?;
    Ok(token_set(&tokens))
}

fn auth_type(provider: &OAuth) -> AuthType {
    match provider.client_auth {
        ClientAuth::Basic => AuthType::BasicAuth,
        ClientAuth::Post => AuthType::RequestBody,
    }
}

fn token_set(tokens: &Tokens) -> TokenSet {
    let mut extra = tokens.extra_fields().fields.clone();
    let id_token = match extra.remove("id_token") {
        Some(Value::String(t)) => Some(t),
        _ => None,
    };
    let expires_at = tokens.expires_in().map(|d| {
        crate::time_now().saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2))
    });
    TokenSet {
        access_token: tokens.access_token().secret().clone(),
        token_type: tokens.token_type().as_ref().to_ascii_lowercase(),
        expires_at,
        refresh_token: tokens.refresh_token().map(|t| t.secret().clone()),
        scope: tokens
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
        id_token,
        extra,
    }
}

/// A failed token request, described without any token or secret.
fn token_error<RE: std::error::Error + 'static>(
    err: RequestTokenError<RE, BasicErrorResponse>,
) -> Error {
    let detail = match err {
        RequestTokenError::ServerResponse(e) => {
            format!("the token endpoint refused: {}", e.error().as_ref())
        }
        RequestTokenError::Request(e) => {
            let mut cause = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                cause = format!("{cause}: {s}");
                source = s.source();
            }
            format!("the token request failed: {cause}")
        }
        RequestTokenError::Parse(_, body) => {
            // An HTTP 200 with an error body (GitHub) names its error; nothing else of the
            // body is logged, it may hold tokens.
            let error = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
            match error {
                Some(code) => format!("the token endpoint answered an error: {code}"),
                None => "the token endpoint's answer is not a token response".to_owned(),
            }
        }
        RequestTokenError::Other(s) => format!("the token request failed: {s}"),
    };
    Error::auth(ErrorCode::CallbackRouteError, detail)
}

/// The most a provider's JSON answer (discovery, JWKS, userinfo, token endpoint) may
/// weigh.
const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Reads a JSON body of at most [`MAX_JSON_BYTES`] (a misbehaving endpoint cannot make
/// the engine buffer more).
pub(crate) async fn json_body<T: serde::de::DeserializeOwned>(
    res: reqwest::Response,
) -> Result<T, String> {
    let body = capped_body(res).await?;
    serde_json::from_slice(&body).map_err(|e| format!("not the expected JSON: {e}"))
}

/// A body of at most [`MAX_JSON_BYTES`], refused from its `Content-Length` or as soon as
/// the chunks read pass it.
async fn capped_body(mut res: reqwest::Response) -> Result<Vec<u8>, String> {
    let too_large = || format!("the answer is larger than {MAX_JSON_BYTES} bytes");
    if res
        .content_length()
        .is_some_and(|n| n > MAX_JSON_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_JSON_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The engine's client as `oauth2` calls it for token requests: through [`token_call`].
/// (A struct, not a closure: a closure's future borrowing the client is not seen as
/// `Send` for every lifetime, which a spawned refresh needs.)
struct TokenHttp<'a>(&'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp<'_> {
    type Error = std::io::Error;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, Self::Error>> + Send + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(token_call(self.0, request))
    }
}

/// One token endpoint request for `oauth2` through the engine's client, its answer read
/// as the others are: at most [`MAX_JSON_BYTES`] (`oauth2`'s own reqwest glue buffers
/// whatever the endpoint sends).
async fn token_call(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, std::io::Error> {
    let request = reqwest::Request::try_from(request).map_err(std::io::Error::other)?;
    let res = http.execute(request).await.map_err(std::io::Error::other)?;
    let mut answer = http::Response::builder()
        .status(res.status())
        .version(res.version());
    for (name, value) in res.headers() {
        answer = answer.header(name, value);
    }
    let body = capped_body(res).await.map_err(std::io::Error::other)?;
    answer.body(body).map_err(std::io::Error::other)
}

/// GETs a JSON object with the access token (userinfo, GitHub's `/user/emails`).
pub(crate) async fn get_json(
    http: &reqwest::Client,
    url: &str,
    access_token: &str,
) -> Result<Value, Error> {
    let fail = |why: String| Error::auth(ErrorCode::CallbackRouteError, why);
    let res = http
        .get(url)
        .bearer_auth(access_token)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fail(format!("GET {url} failed: {e}")))?;
    let status = res.status();
    if !status.is_success() {
        return Err(fail(format!("GET {url} answered {status}")));
    }
    json_body::<Value>(res)
        .await
        .map_err(|e| fail(format!("GET {url}: {e}")))
}
