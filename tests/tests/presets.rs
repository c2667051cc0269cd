//! Presets against a real authorization server on loopback (`MockIdp`), on every
//! framework: issuers with a path (Keycloak), with a trailing slash (Auth0) and Entra
//! ID's multi-tenant template (`{tenantid}` filled from `tid`), and each
//! id_token algorithm the mock signs with.

use std::sync::{Arc, Mutex};

use authgate::{presets, OAuth, Trigger};
use authgate_tests::{
    b64url_decode, oauth_sign_in, spawn_with, suite, AppleClient, Framework, IdpConfig,
    Misbehaviour, MockIdp, OAuthDance, Server, SigningAlg, SESSION,
};

/// Test-only P-256 keys (`crates/authgate-test-support/keys/README.md`): the Apple team's
/// key, and another.
const APPLE_KEY: &str = include_str!("../../crates/authgate-test-support/keys/es256-2.pem");
const OTHER_EC_KEY: &str = include_str!("../../crates/authgate-test-support/keys/es256-1.pem");
use serde_json::Value;

async fn idp_at(path: &str) -> MockIdp {
    MockIdp::start_with(IdpConfig {
        issuer_path: Some(path.into()),
        ..IdpConfig::default()
    })
    .await
}

/// Signs in with `provider` on a fresh browser; asserts the session and the profile of
/// the mock's user, and returns the dance.
async fn assert_sign_in(server: &Server, provider: &str) -> OAuthDance {
    let b = server.browser();
    let target = format!("{}/dashboard", server.base);
    let dance = oauth_sign_in(&b, provider, &target, "").await;
    let res = dance.callback();
    assert_eq!(res.status, 302, "{provider} callback: {}", res.body);
    assert_eq!(res.location(), Some(target.as_str()), "{provider}");
    assert!(res.sets(SESSION), "{provider}: session cookie");
    let user = b.get("/api/me").await.json()["user"].clone();
    assert_eq!(user["name"], "Ida Provider", "{provider}");
    assert_eq!(user["email"], "ida@idp.example", "{provider}");
    dance
}

async fn keycloak_realm_issuer_with_a_path(fw: Framework) {
    let idp = idp_at("/realms/demo").await;
    assert!(idp.issuer().ends_with("/realms/demo"), "{}", idp.issuer());
    let keycloak = presets::keycloak(idp.issuer(), idp.client_id(), idp.client_secret());
    let server = spawn_with(fw, move |b| b.provider(keycloak)).await;
    let dance = assert_sign_in(&server, "keycloak").await;
    let to = dance.start.location().expect("to the provider");
    assert!(
        to.starts_with(&format!("{}/authorize?", idp.issuer())),
        "{to}"
    );
    let params = idp.last_authorize().expect("authorize");
    assert_eq!(params["scope"], "openid profile email");
    assert!(params.contains_key("nonce"));
    assert_eq!(idp.calls().discovery, 1);
}

async fn auth0_issuer_with_its_trailing_slash(fw: Framework) {
    let idp = idp_at("/tenant/").await;
    let issuer = idp.issuer().to_owned();
    assert!(issuer.ends_with("/tenant/"), "{issuer}");
    let (id, secret) = (idp.client_id(), idp.client_secret());
    let bare = issuer.trim_end_matches('/').to_owned();
    let server = spawn_with(fw, move |b| {
        b.provider(presets::auth0(&issuer, id, secret)).provider(
            presets::auth0(bare, id, secret)
                .id("auth0-bare")
                .name("Auth0 without the slash"),
        )
    })
    .await;
    assert_sign_in(&server, "auth0").await;
    let authorizations = idp.calls().authorize;

    // Configured without the slash: discovery names another issuer, the start fails.
    let b = server.browser();
    let dance = oauth_sign_in(&b, "auth0-bare", "/", "").await;
    assert!(dance.authorize.is_none(), "not sent to the provider");
    assert_eq!(dance.start.status, 302, "{}", dance.start.body);
    assert_eq!(
        dance.start.location(),
        Some(format!("{}/auth/signin?error=Configuration", server.base).as_str())
    );
    assert!(!dance.start.sets(SESSION));
    assert_eq!(idp.calls().authorize, authorizations);
}

async fn every_id_token_algorithm_signs_in(fw: Framework) {
    let idp = MockIdp::start().await;
    let id_tokens = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = Arc::clone(&id_tokens);
    let generic = OAuth::oidc("corp", "Corp SSO", idp.issuer())
        .client_id(idp.client_id())
        .client_secret(idp.client_secret());
    let server = spawn_with(fw, move |b| {
        b.provider(generic).on_jwt(move |ctx| {
            let record = Arc::clone(&record);
            async move {
                if ctx.trigger == Some(Trigger::SignIn) {
                    let account = serde_json::to_value(&ctx.account).unwrap_or_default();
                    if let Some(t) = account["id_token"].as_str() {
                        record.lock().expect("lock").push(t.to_owned());
                    }
                }
                Ok(Some(ctx.token))
            }
        })
    })
    .await;
    for alg in [
        SigningAlg::RS256,
        SigningAlg::PS256,
        SigningAlg::ES256,
        SigningAlg::EdDSA,
    ] {
        idp.set_signing_alg(alg);
        assert_sign_in(&server, "corp").await;
        let id_token = id_tokens.lock().expect("lock").pop().expect("id_token");
        let header = id_token.split('.').next().and_then(b64url_decode);
        let header: Value = serde_json::from_slice(&header.expect("base64url")).expect("JSON");
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["kid"], idp.current_kid());
    }
    assert_eq!(
        idp.calls().jwks,
        1,
        "one key set holds every algorithm's key"
    );
}

async fn entra_multi_tenant_issuer_is_filled_from_the_tid(fw: Framework) {
    const TENANT: &str = "9f3c1a52-7d4e-4b8a-a1c2-5e6f7a8b9c0d";
    let idp = MockIdp::start_with(IdpConfig {
        issuer_path: Some("/common/v2.0".into()),
        tenant: Some(TENANT.into()),
        ..IdpConfig::default()
    })
    .await;
    let origin = idp.issuer().trim_end_matches("/common/v2.0").to_owned();
    // The discovery document names the template, as Entra ID's `common` does.
    let discovery: Value = reqwest::get(idp.discovery_url())
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON");
    assert_eq!(discovery["issuer"], format!("{origin}/{{tenantid}}/v2.0"));
    let entra = presets::microsoft_entra_id(idp.client_id(), idp.client_secret(), "common")
        .issuer(idp.issuer());
    let server = spawn_with(fw, move |b| b.provider(entra)).await;
    assert_sign_in(&server, "microsoft-entra-id").await;
    // An id_token whose `iss` names another tenant than its `tid` signs no one in.
    idp.set_misbehaviour(Misbehaviour::OtherTenantIssuer);
    assert_sign_in_fails(&server, "microsoft-entra-id").await;
}

/// Signs in with `provider` on a fresh browser; asserts it ends on the error page
/// (`Configuration`) with no session.
async fn assert_sign_in_fails(server: &Server, provider: &str) {
    let b = server.browser();
    let dance = oauth_sign_in(&b, provider, "/", "").await;
    let res = dance.callback();
    assert_eq!(res.status, 302, "{provider}: {}", res.body);
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str()),
        "{provider}"
    );
    assert!(!res.sets(SESSION), "{provider}");
    assert_eq!(b.get("/api/me").await.status, 401, "{provider}");
}

/// The Apple preset pointed at the mock (Apple's endpoints are fixed in the preset).
fn apple_at(idp: &MockIdp, key_pem: &str) -> OAuth {
    let base = idp.issuer().to_owned();
    presets::apple(idp.client_id(), "TEAMID1234", "KEYID12345", key_pem)
        .expect("the Apple preset takes a P-256 key")
        .issuer(&base)
        .authorization_endpoint(format!("{base}/authorize"))
        .token_endpoint(format!("{base}/token"))
        .jwks_uri(format!("{base}/jwks"))
}

async fn apple_signs_in_with_a_minted_client_secret(fw: Framework) {
    let idp = MockIdp::start_with(IdpConfig {
        apple: Some(AppleClient {
            team_id: "TEAMID1234".into(),
            key_id: "KEYID12345".into(),
            private_key_pem: APPLE_KEY.into(),
        }),
        ..IdpConfig::default()
    })
    .await;
    let apple = apple_at(&idp, APPLE_KEY);
    let other = apple_at(&idp, OTHER_EC_KEY);
    let server = spawn_with(fw, move |b| b.provider(apple)).await;
    // form_post; the mock takes only an ES256 client secret of the team's key; the name
    // comes from the posted `user` field, the email from the id_token.
    let dance = assert_sign_in(&server, "apple").await;
    assert!(
        dance.authorize.as_ref().is_some_and(|r| r.status == 200),
        "the form_post page"
    );
    let params = idp.last_authorize().expect("authorize");
    assert_eq!(params["response_mode"], "form_post");
    assert_eq!(params["scope"], "name email");
    assert_eq!(idp.calls().token_code, 1);

    // A secret signed by another key is refused by the token endpoint.
    let server = spawn_with(fw, move |b| b.provider(other)).await;
    assert_sign_in_fails(&server, "apple").await;
    assert_eq!(idp.calls().token_code, 2);
}

suite!(
    apple_signs_in_with_a_minted_client_secret,
    entra_multi_tenant_issuer_is_filled_from_the_tid,
    keycloak_realm_issuer_with_a_path,
    auth0_issuer_with_its_trailing_slash,
    every_id_token_algorithm_signs_in,
);
