//! The GitHub-shaped surface.

use reqwest::{header, StatusCode};
use serde_json::json;

use super::*;
use crate::idp::{IdpConfig, Misbehaviour};

const UA: &str = "authgate-tests";

/// A GitHub authorization with `scope`: its code.
async fn github_code(idp: &MockIdp, pkce: &Pkce, scope: &str) -> String {
    let params = with(authorize_params(pkce), "scope", Some(scope));
    let params = with(params, "nonce", None);
    let back = redirect_params(&get_authorize(&idp.url("/login/oauth/authorize"), &params).await);
    back["code"].clone()
}

/// Redeems a code at GitHub's endpoint (client_secret_post, as GitHub's docs show).
async fn github_token(
    idp: &MockIdp,
    code: &str,
    pkce: &Pkce,
    accept: Option<&str>,
) -> reqwest::Response {
    let form = [
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &pkce.verifier),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    let mut request = http()
        .post(idp.url("/login/oauth/access_token"))
        .form(&form);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.send().await.expect("access_token")
}

/// A GitHub access token with `scope`.
async fn github_login(idp: &MockIdp, scope: &str) -> String {
    let pkce = Pkce::new();
    let code = github_code(idp, &pkce, scope).await;
    let body = json_of(github_token(idp, &code, &pkce, Some("application/json")).await).await;
    body["access_token"].as_str().unwrap_or_default().to_owned()
}

/// `GET {path}` of the API with a token and a User-Agent.
async fn api(idp: &MockIdp, path: &str, token: &str) -> reqwest::Response {
    http()
        .get(idp.url(path))
        .header(header::USER_AGENT, UA)
        .header(header::AUTHORIZATION, format!("token {token}"))
        .send()
        .await
        .expect("api")
}

#[tokio::test]
async fn the_token_answer_is_json_only_when_asked() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let code = github_code(&idp, &pkce, "read:user user:email").await;
    let response = github_token(&idp, &code, &pkce, Some("application/json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["scope"], "read:user,user:email");
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());

    let code = github_code(&idp, &pkce, "read:user").await;
    let response = github_token(&idp, &code, &pkce, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .is_ok_and(|v| v.starts_with("application/x-www-form-urlencoded")));
    let text = response.text().await.expect("body");
    let fields: BTreeMap<String, String> = url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["token_type"], "bearer");
    assert_eq!(fields["scope"], "read:user");
    assert!(!fields["access_token"].is_empty());
    assert_eq!(idp.calls().token_code, 2);
}

#[tokio::test]
async fn token_errors_come_with_http_200() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let response = github_token(&idp, "bad-code", &pkce, Some("application/json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["error"], "bad_verification_code");
    assert!(body.get("access_token").is_none());

    let response = http()
        .post(idp.url("/login/oauth/access_token"))
        .header(header::ACCEPT, "application/json")
        .form(&[
            ("code", "x"),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .expect("access_token");
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["error"], "incorrect_client_credentials");
}

#[tokio::test]
async fn the_user_and_emails_have_githubs_shape() {
    let idp = MockIdp::start().await;
    let token = github_login(&idp, "read:user user:email").await;
    let user = json_of(api(&idp, "/api/user", &token).await).await;
    assert_eq!(user["id"], json!(4_242_001));
    assert_eq!(user["login"], "ida-provider");
    assert_eq!(user["name"], "Ida Provider");
    assert_eq!(user["email"], "ida@idp.example");
    assert_eq!(user["avatar_url"], "https://idp.example/avatars/ida.png");

    let emails = json_of(api(&idp, "/api/user/emails", &token).await).await;
    let primary: Vec<&Value> = emails
        .as_array()
        .map(|a| a.iter().filter(|e| e["primary"] == json!(true)).collect())
        .unwrap_or_default();
    assert_eq!(primary.len(), 1);
    assert_eq!(primary[0]["email"], "ida@idp.example");
    assert_eq!(primary[0]["verified"], true);
    assert_eq!(primary[0]["visibility"], "public");
    assert_eq!(idp.calls().github_user, 1);
    assert_eq!(idp.calls().github_emails, 1);
}

#[tokio::test]
async fn a_private_email_is_only_in_the_email_list() {
    let idp = MockIdp::start_with(IdpConfig {
        private_email: true,
        ..IdpConfig::default()
    })
    .await;
    let token = github_login(&idp, "read:user user:email").await;
    let user = json_of(api(&idp, "/api/user", &token).await).await;
    assert_eq!(user["email"], Value::Null);
    let emails = json_of(api(&idp, "/api/user/emails", &token).await).await;
    assert!(emails
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["email"] == "ida@idp.example"
            && e["primary"] == true
            && e["visibility"] == "private")));
    idp.set_private_email(false);
    let user = json_of(api(&idp, "/api/user", &token).await).await;
    assert_eq!(user["email"], "ida@idp.example");
}

#[tokio::test]
async fn the_api_wants_a_user_agent_a_token_and_the_email_scope() {
    let idp = MockIdp::start().await;
    let token = github_login(&idp, "read:user").await;
    let no_agent = http()
        .get(idp.url("/api/user"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("api");
    assert_eq!(no_agent.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        api(&idp, "/api/user", "bad").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api(&idp, "/api/user", &token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        api(&idp, "/api/user/emails", &token).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn github_authorization_can_be_denied() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::DenyAuthorization);
    let pkce = Pkce::new();
    let response =
        get_authorize(&idp.url("/login/oauth/authorize"), &authorize_params(&pkce)).await;
    assert_eq!(redirect_params(&response)["error"], "access_denied");
}
