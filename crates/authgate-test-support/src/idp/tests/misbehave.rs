//! Each misbehaviour, and that clearing it restores normal service.

use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::idp::misbehave::{OTHER_SUB, WRONG_AUDIENCE, WRONG_ISSUER, WRONG_NONCE};
use crate::idp::Misbehaviour;

/// The id_token of a sign-in under `misbehaviour`: its verification's error kind (if
/// any) and its unverified header and claims.
async fn id_token_under(misbehaviour: Misbehaviour) -> (Option<ErrorKind>, Value, Value) {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(misbehaviour);
    let id_token = login_id_token(&idp).await;
    let verified = verify(&idp, &id_token).await;
    let (header, claims) = peek(&id_token);
    (verified.err().map(|e| e.into_kind()), header, claims)
}

#[tokio::test]
async fn wrong_issuer() {
    let (error, _, claims) = id_token_under(Misbehaviour::WrongIssuer).await;
    assert_eq!(error, Some(ErrorKind::InvalidIssuer));
    assert_eq!(claims["iss"], WRONG_ISSUER);
}

#[tokio::test]
async fn wrong_discovery_issuer() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::WrongDiscoveryIssuer);
    let doc = discovery(&idp).await;
    assert_eq!(doc["issuer"], WRONG_ISSUER);
    assert_eq!(
        doc["token_endpoint"],
        json!(format!("{}/token", idp.issuer()))
    );
}

#[tokio::test]
async fn bad_signature() {
    let (error, header, _) = id_token_under(Misbehaviour::BadSignature).await;
    assert_eq!(error, Some(ErrorKind::InvalidSignature));
    assert_eq!(header["kid"], "rs256-1", "the published kid, another key");
    assert_eq!(header["alg"], "RS256");
}

#[tokio::test]
async fn bad_signature_of_every_algorithm() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::BadSignature);
    for alg in crate::idp::SigningAlg::ALL {
        idp.set_signing_alg(alg);
        let id_token = login_id_token(&idp).await;
        let error = verify(&idp, &id_token).await.err().map(|e| e.into_kind());
        assert_eq!(error, Some(ErrorKind::InvalidSignature), "{alg:?}");
    }
}

#[tokio::test]
async fn alg_none() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::AlgNone);
    let id_token = login_id_token(&idp).await;
    assert!(id_token.ends_with('.'), "an empty signature");
    let (header, claims) = peek(&id_token);
    assert_eq!(header["alg"], "none");
    assert_eq!(claims["sub"], "idp-user-1");
    assert!(verify(&idp, &id_token).await.is_err());
}

#[tokio::test]
async fn expired_id_token() {
    let (error, _, claims) = id_token_under(Misbehaviour::ExpiredIdToken).await;
    assert_eq!(error, Some(ErrorKind::ExpiredSignature));
    assert!(claims["exp"].as_i64() < Some(crate::now()));
}

#[tokio::test]
async fn future_iat() {
    let (_, _, claims) = id_token_under(Misbehaviour::FutureIat).await;
    let iat = claims["iat"].as_i64().unwrap_or_default();
    assert!(iat > crate::now() + 3600, "{claims}");
}

#[tokio::test]
async fn wrong_audience() {
    let (error, _, claims) = id_token_under(Misbehaviour::WrongAudience).await;
    assert_eq!(error, Some(ErrorKind::InvalidAudience));
    assert_eq!(claims["aud"], WRONG_AUDIENCE);
}

#[tokio::test]
async fn wrong_nonce() {
    let (error, _, claims) = id_token_under(Misbehaviour::WrongNonce).await;
    assert_eq!(error, None, "validly signed");
    assert_eq!(claims["nonce"], WRONG_NONCE);
    assert_ne!(claims["nonce"], NONCE);
}

#[tokio::test]
async fn no_id_token() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::NoIdToken);
    let body = login(&idp).await;
    assert!(body.get("id_token").is_none(), "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn token_error_with_200() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::TokenErrorWith200);
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let (status, body) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["error"], "bad_verification_code");
    assert!(body["error_description"].is_string());
    assert!(body.get("access_token").is_none());
}

#[tokio::test]
async fn huge_token_response() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::HugeTokenResponse);
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let response = redeem_response(&idp, &code, &pkce).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.content_length(), None);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert!(body["access_token"].is_string());
    assert!(body["padding"].as_str().expect("padding").len() >= 2 * 1024 * 1024);
}

#[tokio::test]
async fn token_5xx() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::Token5xx);
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let response = redeem_response(&idp, &code, &pkce).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // The code was not spent: the next try, once the provider is back, works.
    idp.clear_misbehaviour();
    let (status, _) = redeem(&idp, &code, &pkce).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(idp.calls().token_code, 2);
}

#[tokio::test]
async fn slow_token() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::SlowToken(Duration::from_millis(300)));
    let pkce = Pkce::new();
    let code = code(&idp, &pkce).await;
    let started = Instant::now();
    let (status, body) = redeem(&idp, &code, &pkce).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string());
}

#[tokio::test]
async fn userinfo_sub_mismatch() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::UserinfoSubMismatch);
    let body = login(&idp).await;
    let claims = verify(&idp, body["id_token"].as_str().unwrap_or_default())
        .await
        .expect("a valid id_token");
    let access = body["access_token"].as_str().unwrap_or_default();
    let info = json_of(userinfo(&idp, access).await).await;
    assert_eq!(claims["sub"], "idp-user-1");
    assert_eq!(info["sub"], OTHER_SUB);
}

#[tokio::test]
async fn deny_authorization() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::DenyAuthorization);
    let pkce = Pkce::new();
    let url = format!("{}/authorize", base(&idp));
    let back = redirect_params(&get_authorize(&url, &authorize_params(&pkce)).await);
    assert_eq!(back["error"], "access_denied");
    assert!(back["error_description"].len() > 5);
    assert_eq!(back["state"], STATE);
    assert!(!back.contains_key("code"));

    // form_post mode posts the error.
    let params = with(authorize_params(&pkce), "response_mode", Some("form_post"));
    let page = get_authorize(&url, &params)
        .await
        .text()
        .await
        .expect("page");
    assert_eq!(
        crate::hidden_input(&page, "error").as_deref(),
        Some("access_denied")
    );
    assert!(crate::hidden_input(&page, "code").is_none());
}

#[tokio::test]
async fn clearing_restores_normal_service() {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::WrongNonce);
    idp.set_misbehaviour(Misbehaviour::BadSignature);
    idp.clear_misbehaviour();
    let claims = verify(&idp, &login_id_token(&idp).await)
        .await
        .expect("valid");
    assert_eq!(claims["nonce"], NONCE);
}
