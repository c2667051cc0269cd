//! The authorization endpoint (RFC 6749 section 4.1.1, RFC 7636, OIDC Core 3.1.2),
//! auto-approving as the current user.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute, encode_text};
use url::Url;

use super::misbehave::Misbehaviour;
use super::state::{random_token, Code, Shared};
use super::CLIENT_ID;

/// `GET /authorize` (and GitHub's `GET /login/oauth/authorize`).
pub(crate) async fn authorize(
    State(idp): State<Arc<Shared>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    idp.count(|c| &mut c.authorize);
    let params = match unique_params(pairs) {
        Ok(params) => params,
        Err(name) => return bad_request(&format!("parameter {name} is repeated")),
    };
    idp.lock().last_authorize = Some(params.clone());

    // Errors the provider cannot send back: the redirect_uri is not trusted yet.
    if params.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return bad_request("unknown or missing client_id");
    }
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return bad_request("missing redirect_uri");
    };
    let Some(redirect) = parse_redirect_uri(redirect_uri) else {
        return bad_request("redirect_uri is not an absolute http(s) URL without a fragment");
    };

    let state = params.get("state").cloned();
    let (mode, answer) = match params.get("response_mode").map(String::as_str) {
        None | Some("query") => (ResponseMode::Query, check(&idp, &params)),
        Some("form_post") => (ResponseMode::FormPost, check(&idp, &params)),
        Some(_) => (
            ResponseMode::Query,
            Err((
                "invalid_request",
                "response_mode must be query or form_post",
            )),
        ),
    };
    let mut fields = match answer {
        Ok(code) => vec![("code", code)],
        Err((error, description)) => vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ],
    };
    if let Some(state) = state {
        fields.push(("state", state));
    }
    // Apple posts the user's name along (on a first sign-in: here, every time).
    if idp.apple.is_some()
        && matches!(mode, ResponseMode::FormPost)
        && fields.first().is_some_and(|(name, _)| *name == "code")
    {
        let settings = idp.settings();
        let (first, last) = settings
            .user
            .name
            .split_once(' ')
            .unwrap_or((settings.user.name.as_str(), ""));
        let user = serde_json::json!({
            "name": { "firstName": first, "lastName": last },
            "email": settings.user.email,
        });
        fields.push(("user", user.to_string()));
    }
    mode.respond(redirect, &fields)
}

/// The request's parameters, or the name of one given twice (RFC 6749 section 3.1).
fn unique_params(pairs: Vec<(String, String)>) -> Result<BTreeMap<String, String>, String> {
    let mut params = BTreeMap::new();
    for (name, value) in pairs {
        if params.contains_key(&name) {
            return Err(name);
        }
        params.insert(name, value);
    }
    Ok(params)
}

fn parse_redirect_uri(s: &str) -> Option<Url> {
    let url = Url::parse(s).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    (web && url.fragment().is_none() && url.host().is_some()).then_some(url)
}

/// Validates an authorization request whose client and redirect_uri are known good, and
/// approves it: the new code, or the `error` and description to redirect with.
fn check(
    idp: &Shared,
    params: &BTreeMap<String, String>,
) -> Result<String, (&'static str, &'static str)> {
    let get = |name: &str| params.get(name).map(String::as_str);
    let mut inner = idp.lock();
    if inner.settings.misbehaviour == Some(Misbehaviour::DenyAuthorization) {
        return Err(("access_denied", "The user denied the authorization request"));
    }
    match get("response_type") {
        Some("code") => {}
        None => return Err(("invalid_request", "missing response_type")),
        Some(_) => return Err(("unsupported_response_type", "only response_type=code")),
    }
    let Some(challenge) = get("code_challenge") else {
        return Err((
            "invalid_request",
            "PKCE is required: missing code_challenge",
        ));
    };
    if get("code_challenge_method") != Some("S256") {
        return Err(("invalid_request", "code_challenge_method must be S256"));
    }
    if challenge.len() != 43 || crate::b64url_decode(challenge).is_none() {
        return Err((
            "invalid_request",
            "code_challenge is not a base64url SHA-256",
        ));
    }

    let grant = inner.new_grant(get("scope").unwrap_or_default().to_owned());
    let code = Code {
        grant,
        client_id: CLIENT_ID.to_owned(),
        redirect_uri: get("redirect_uri").unwrap_or_default().to_owned(),
        code_challenge: challenge.to_owned(),
        nonce: get("nonce").map(str::to_owned),
        expires: Instant::now() + idp.code_ttl,
    };
    let value = random_token();
    inner.codes.insert(value.clone(), code);
    Ok(value)
}

/// How the answer goes back to the client.
#[derive(Clone, Copy, Debug)]
enum ResponseMode {
    /// A 302 to the redirect_uri with the fields in its query.
    Query,
    /// A page whose form posts the fields to the redirect_uri (OAuth 2.0 Form Post
    /// Response Mode).
    FormPost,
}

impl ResponseMode {
    fn respond(self, mut redirect: Url, fields: &[(&str, String)]) -> Response {
        match self {
            Self::Query => {
                redirect.query_pairs_mut().extend_pairs(fields);
                (StatusCode::FOUND, [(header::LOCATION, redirect.as_str())]).into_response()
            }
            Self::FormPost => {
                let inputs: String = fields
                    .iter()
                    .map(|(name, value)| {
                        format!(
                            r#"<input type="hidden" name="{name}" value="{}">"#,
                            encode_double_quoted_attribute(value)
                        )
                    })
                    .collect();
                let page = format!(
                    r#"<!doctype html><html><head><title>Submit</title></head><body onload="document.forms[0].submit()"><form method="post" action="{}">{inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>"#,
                    encode_double_quoted_attribute(redirect.as_str())
                );
                ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
            }
        }
    }
}

/// An error page for the user: the client is not trusted enough to be redirected to.
fn bad_request(message: &str) -> Response {
    let page = format!(
        "<!doctype html><title>Bad request</title><p>{}</p>",
        encode_text(message)
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}
