//! Discovery, authorization, code redemption, client authentication, refresh, userinfo.

use std::time::Duration;

use reqwest::{header, StatusCode};
use serde_json::json;

use super::*;
use crate::hidden_input;
use crate::idp::{IdpCalls, IdpConfig, IdpUser};

#[tokio::test]
async fn discovery_names_every_endpoint_under_the_issuer() {
    let idp = MockIdp::start().await;
    let issuer = idp.issuer().to_owned();
    assert!(issuer.starts_with("http://127.0.0.1:") && !issuer.ends_with('/'));
    let doc = discovery(&idp).await;
    assert_eq!(doc["issuer"], json!(issuer));
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
    ] {
        assert_eq!(doc[field], json!(format!("{issuer}{path}")), "{field}");
    }
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(
        doc["response_modes_supported"],
        json!(["query", "form_post"])
    );
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256", "PS256", "ES256", "EdDSA"])
    );
}

#[tokio::test]
async fn an_issuer_path_keeps_its_trailing_slash_and_hosts_the_endpoints() {
    let config = IdpConfig {
        issuer_path: Some("/realms/x/".into()),
        ..IdpConfig::default()
    };
    let idp = MockIdp::start_with(config).await;
    assert_eq!(idp.issuer(), format!("{}/realms/x/", idp.origin()));
    assert_eq!(
        idp.discovery_url(),
        format!("{}/realms/x/.well-known/openid-configuration", idp.origin())
    );
    let doc = discovery(&idp).await;
    assert_eq!(doc["issuer"], json!(idp.issuer()));
    assert_eq!(
        doc["token_endpoint"],
        json!(format!("{}/realms/x/token", idp.origin()))
    );
    // The whole flow works under the path, and the id_token names the issuer as published.
    let id_token = login_id_token(&idp).await;
    let claims = verify(&idp, &id_token).await.expect("valid id_token");
    assert_eq!(claims["iss"], json!(idp.issuer()));
    // Nothing OIDC at the root.
    let root = http()
        .get(idp.url("/.well-known/openid-configuration"))
        .send()
        .await
        .expect("root discovery");
    assert_eq!(root.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn authorize_redirects_with_code_and_state_and_records_the_request() {
    let idp = MockIdp::start().await;
    assert_eq!(idp.last_authorize(), None);
    let pkce = Pkce::new();
    let params = with(authorize_params(&pkce), "prompt", Some("consent"));
    let params = with(params, "login_hint", Some("ida@idp.example"));
    let response = get_authorize(&format!("{}/authorize", base(&idp)), &params).await;
    let back = redirect_params(&response);
    assert_eq!(back["state"], STATE);
    assert_eq!(back["from"], "idp", "the redirect_uri's own query is kept");
    assert_eq!(back["code"].len(), 43);
    let seen = idp.last_authorize().expect("recorded");
    assert_eq!(seen["prompt"], "consent");
    assert_eq!(seen["login_hint"], "ida@idp.example");
    assert_eq!(seen["scope"], "openid profile email");
    assert_eq!(seen["nonce"], NONCE);
    assert_eq!(seen["code_challenge_method"], "S256");
    assert_eq!(idp.calls().authorize, 1);
}

#[tokio::test]
async fn authorize_form_post_answers_a_self_posting_form() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let params = with(authorize_params(&pkce), "response_mode", Some("form_post"));
    let response = get_authorize(&format!("{}/authorize", base(&idp)), &params).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert!(
        page.contains(r#"<form method="post" action="http://127.0.0.1:9/callback?from=idp">"#),
        "{page}"
    );
    assert_eq!(hidden_input(&page, "state").as_deref(), Some(STATE));
    let code = hidden_input(&page, "code").expect("a code input");
    let (status, body) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn authorize_rejects_what_it_cannot_redirect_with_a_400() {
    let idp = MockIdp::start().await;
    let url = format!("{}/authorize", base(&idp));
    let pkce = Pkce::new();
    let good = authorize_params(&pkce);
    for params in [
        with(good.clone(), "client_id", Some("someone-else")),
        with(good.clone(), "client_id", None),
        with(good.clone(), "redirect_uri", None),
        with(good.clone(), "redirect_uri", Some("/relative")),
        with(
            good.clone(),
            "redirect_uri",
            Some("http://127.0.0.1:9/cb#frag"),
        ),
        [good.clone(), vec![("state", "again".to_owned())]].concat(),
    ] {
        let response = get_authorize(&url, &params).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{params:?}");
        assert!(response.headers().get(header::LOCATION).is_none());
    }
}

#[tokio::test]
async fn authorize_redirects_protocol_errors_back_with_the_state() {
    let idp = MockIdp::start().await;
    let url = format!("{}/authorize", base(&idp));
    let pkce = Pkce::new();
    let good = authorize_params(&pkce);
    for (params, error) in [
        (
            with(good.clone(), "response_type", Some("token")),
            "unsupported_response_type",
        ),
        (with(good.clone(), "response_type", None), "invalid_request"),
        (
            with(good.clone(), "code_challenge", None),
            "invalid_request",
        ),
        (
            with(good.clone(), "code_challenge_method", None),
            "invalid_request",
        ),
        (
            with(good.clone(), "code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (
            with(good.clone(), "code_challenge", Some("short")),
            "invalid_request",
        ),
        (
            with(good.clone(), "response_mode", Some("fragment")),
            "invalid_request",
        ),
    ] {
        let back = redirect_params(&get_authorize(&url, &params).await);
        assert_eq!(back["error"], error, "{params:?}");
        assert_eq!(back["state"], STATE);
        assert!(!back.contains_key("code"));
    }
}

#[tokio::test]
async fn a_code_redeems_once_with_basic_or_post_authentication() {
    let idp = MockIdp::start().await;
    for auth in [Auth::BASIC, Auth::POST] {
        let pkce = Pkce::new();
        let code = code(&idp, &pkce).await;
        let form = code_form(code.as_str(), REDIRECT, &pkce);
        let (status, body) = token(&idp, &form, auth).await;
        assert_eq!(status, StatusCode::OK, "{auth:?}: {body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["scope"], "openid profile email");
        for field in ["access_token", "refresh_token", "id_token"] {
            assert!(body[field].is_string(), "{field}: {body}");
        }
        let claims = verify(&idp, body["id_token"].as_str().unwrap_or_default())
            .await
            .expect("valid id_token");
        assert_eq!(claims["sub"], "idp-user-1");
        assert_eq!(claims["aud"], CLIENT_ID);
        assert_eq!(claims["azp"], CLIENT_ID);
        assert_eq!(claims["nonce"], NONCE);
        assert_eq!(claims["name"], "Ida Provider");
        assert_eq!(claims["email"], "ida@idp.example");
    }
}

#[tokio::test]
async fn the_token_response_is_not_cached() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let response = redeem_response(&idp, &code, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[header::PRAGMA], "no-cache");
}

#[tokio::test]
async fn no_id_token_without_the_openid_scope() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let params = with(authorize_params(&pkce), "scope", Some("profile email"));
    let back = redirect_params(&get_authorize(&format!("{}/authorize", base(&idp)), &params).await);
    let (status, body) = redeem(&idp, &back["code"], &pkce).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("id_token").is_none(), "{body}");
}

#[tokio::test]
async fn pkce_is_checked() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let other = Pkce::new();
    let (status, body) = redeem(&idp, &code, &other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("code_verifier")),
        "{body}"
    );

    // A missing or malformed verifier fails too.
    for verifier in [None, Some("too-short")] {
        let code = super::code(&idp, &pkce).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ];
        form.extend(verifier.map(|v| ("code_verifier", v)));
        let (status, body) = token(&idp, &form, Auth::BASIC).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{verifier:?}: {body}");
    }
}

#[tokio::test]
async fn a_code_is_single_use_and_its_replay_revokes_its_tokens() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let (status, first) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::OK);
    let access = first["access_token"].as_str().unwrap_or_default();
    assert_eq!(userinfo(&idp, access).await.status(), StatusCode::OK);

    let (status, body) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        userinfo(&idp, access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = first["refresh_token"].as_str().unwrap_or_default();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (status, _) = token(&idp, &form, Auth::BASIC).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_code_expires() {
    let config = IdpConfig {
        code_ttl: Duration::from_millis(50),
        ..IdpConfig::default()
    };
    let idp = MockIdp::start_with(config).await;
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "the code expired");
}

#[tokio::test]
async fn redemption_checks_code_and_redirect_uri() {
    let idp = MockIdp::start().await;
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    for (code, redirect_uri) in [
        ("unknown-code", REDIRECT),
        (code.as_str(), "http://127.0.0.1:9/callback"),
    ] {
        let form = code_form(code, redirect_uri, &pkce);
        let (status, body) = token(&idp, &form, Auth::BASIC).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}

#[tokio::test]
async fn client_authentication_is_strict() {
    let idp = MockIdp::start().await;
    let url = token_url(&idp);
    let pkce = Pkce::new();
    for auth in [
        Auth::Basic(CLIENT_ID, "wrong"),
        Auth::Post(CLIENT_ID, "wrong"),
        Auth::Basic("someone-else", CLIENT_SECRET),
    ] {
        let code = code(&idp, &pkce).await;
        let form = code_form(code.as_str(), REDIRECT, &pkce);
        let response = post_token(&url, &form, auth).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        let challenged = response.headers().contains_key(header::WWW_AUTHENTICATE);
        assert_eq!(challenged, matches!(auth, Auth::Basic(..)), "{auth:?}");
        let body = json_of(response).await;
        assert_eq!(body["error"], "invalid_client");
    }

    let code = code(&idp, &pkce).await;
    let form = code_form(code.as_str(), REDIRECT, &pkce);
    // Basic without RFC 6749's form-urlencoding of the secret (as reqwest's basic_auth
    // writes it) fails: the secret has a `+`.
    let response = http()
        .post(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Two methods at once, none at all, or a JSON body: refused.
    let both = [&form[..], &[("client_secret", CLIENT_SECRET)]].concat();
    let response = post_token(&url, &both, Auth::BASIC).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = http().post(&url).form(&form).send().await.expect("token");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = http()
        .post(&url)
        .header(header::AUTHORIZATION, basic(CLIENT_ID, CLIENT_SECRET))
        .json(&json!({ "grant_type": "authorization_code", "code": code }))
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_and_missing_grant_types_are_refused() {
    let idp = MockIdp::start().await;
    let (status, body) = token(&idp, &[("grant_type", "password")], Auth::BASIC).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
    let (status, body) = token(&idp, &[], Auth::BASIC).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(idp.calls().token_other, 2);
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let idp = MockIdp::start().await;
    let first = login(&idp).await;
    let old = first["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", old.as_str()),
    ];
    let (status, second) = token(&idp, &form, Auth::POST).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let new = second["refresh_token"].as_str().unwrap_or_default();
    assert!(!new.is_empty() && new != old);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["scope"], "openid profile email");
    let claims = verify(&idp, second["id_token"].as_str().unwrap_or_default())
        .await
        .expect("a valid refreshed id_token");
    assert_eq!(claims["sub"], "idp-user-1");
    assert!(claims.get("nonce").is_none());

    // The old one stops working; the new one works once.
    let (status, body) = token(&idp, &form, Auth::POST).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    let form = [("grant_type", "refresh_token"), ("refresh_token", new)];
    let (status, _) = token(&idp, &form, Auth::BASIC).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(idp.calls().token_refresh, 3);
    assert_eq!(idp.calls().token_code, 1);
}

#[tokio::test]
async fn refresh_may_narrow_but_not_widen_the_scope() {
    let idp = MockIdp::start().await;
    let refresh = login(&idp).await["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("scope", "openid admin"),
    ];
    let (status, body) = token(&idp, &form, Auth::BASIC).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_scope");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("scope", "openid email"),
    ];
    let (status, body) = token(&idp, &form, Auth::BASIC).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid email");
}

#[tokio::test]
async fn userinfo_answers_the_tokens_user_and_401_otherwise() {
    let idp = MockIdp::start().await;
    let access = login(&idp).await["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // A later user switch does not change whom the token is for.
    idp.set_user(IdpUser {
        sub: "idp-user-2".into(),
        ..IdpUser::default()
    });
    let response = userinfo(&idp, &access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(
        body,
        json!({
            "sub": "idp-user-1",
            "name": "Ida Provider",
            "email": "ida@idp.example",
            "email_verified": true,
            "picture": "https://idp.example/avatars/ida.png",
        })
    );
    let response = userinfo(&idp, "not-a-token").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .is_ok_and(|v| v.starts_with("Bearer")));
    let response = http()
        .get(format!("{}/userinfo", base(&idp)))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // The next sign-in is the new user's.
    let claims = verify(&idp, &login_id_token(&idp).await)
        .await
        .expect("valid");
    assert_eq!(claims["sub"], "idp-user-2");
}

#[tokio::test]
async fn access_tokens_expire() {
    let config = IdpConfig {
        access_token_ttl: Duration::from_secs(1),
        ..IdpConfig::default()
    };
    let idp = MockIdp::start_with(config).await;
    let body = login(&idp).await;
    assert_eq!(body["expires_in"], 1);
    let access = body["access_token"].as_str().unwrap_or_default();
    assert_eq!(userinfo(&idp, access).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        userinfo(&idp, access).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_minimal_id_token_leaves_the_profile_to_userinfo() {
    let idp = MockIdp::start_with(IdpConfig {
        minimal_id_token: true,
        ..IdpConfig::default()
    })
    .await;
    let claims = verify(&idp, &login_id_token(&idp).await)
        .await
        .expect("valid");
    let mut names: Vec<&str> = claims
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "aud",
            "auth_time",
            "azp",
            "exp",
            "iat",
            "iss",
            "nonce",
            "sub"
        ]
    );
    idp.set_minimal_id_token(false);
    let claims = verify(&idp, &login_id_token(&idp).await)
        .await
        .expect("valid");
    assert_eq!(claims["email"], "ida@idp.example");
}

#[tokio::test]
async fn calls_are_counted() {
    let idp = MockIdp::start().await;
    let body = login(&idp).await;
    let _ = verify(&idp, body["id_token"].as_str().unwrap_or_default()).await;
    let access = body["access_token"].as_str().unwrap_or_default();
    let _ = userinfo(&idp, access).await;
    let _ = http().get(idp.discovery_url()).send().await;
    assert_eq!(
        idp.calls(),
        IdpCalls {
            discovery: 1,
            jwks: 1,
            authorize: 1,
            token_code: 1,
            userinfo: 1,
            ..IdpCalls::default()
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_serves_on_a_multi_thread_runtime_too() {
    let idp = MockIdp::start().await;
    assert!(login(&idp).await["id_token"].is_string());
}
