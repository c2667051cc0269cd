//! OAuth 2 and OpenID Connect sign-in against a real authorization server on loopback
//! (`MockIdp`), on every framework: the whole flow, the checks, every failure.

use std::time::Duration;

use authgate::{presets, AuthConfigBuilder, OAuth, TokenRefresher, Trigger};
use authgate_tests::{
    assert_cookie_attrs, craft_token, decode_token, encode_uri_component, get_with, oauth_sign_in,
    spawn_with, suite, Browser, Framework, IdpConfig, IdpUser, Misbehaviour, MockIdp, OAuthDance,
    Resp, Server, SESSION,
};
use reqwest::Method;
use serde_json::Value;

/// The demo with its `oidc` provider on `idp` (as `OIDC_ISSUER` & co. configure it).
async fn serve_oidc(fw: Framework, idp: &MockIdp) -> Server {
    serve(fw, idp, |b| b).await
}

async fn serve(
    fw: Framework,
    idp: &MockIdp,
    tweak: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Server {
    let (issuer, id, secret) = (
        idp.issuer().to_owned(),
        idp.client_id(),
        idp.client_secret(),
    );
    spawn_with(fw, move |b| {
        tweak(authgate_demo::oauth_providers(
            b,
            Some((&issuer, id, secret)),
            None,
        ))
    })
    .await
}

/// The GitHub preset pointed at the mock's GitHub-shaped endpoints.
fn github(idp: &MockIdp) -> OAuth {
    presets::github(idp.client_id(), idp.client_secret())
        .authorization_endpoint(idp.url("/login/oauth/authorize"))
        .token_endpoint(idp.url("/login/oauth/access_token"))
        .userinfo_endpoint(idp.url("/api/user"))
}

fn assert_signed_in(dance: &OAuthDance, callback_url: &str) {
    let res = dance.callback();
    assert_eq!(res.status, 302, "callback: {}", res.body);
    assert_eq!(res.location(), Some(callback_url));
    assert!(res.sets(SESSION), "session cookie: {:?}", res.set_cookies());
}

/// The callback failed with `error=<code>` on the page of its kind, and set no session.
fn assert_failed(res: &Resp, base: &str, page: &str, code: &str, what: &str) {
    assert_eq!(res.status, 302, "{what}: {}", res.body);
    assert_eq!(
        res.location(),
        Some(format!("{base}/auth/{page}?error={code}").as_str()),
        "{what}"
    );
    assert!(!res.sets(SESSION), "{what}: no session");
}

async fn oidc_sign_in_sets_the_profile_and_a_stable_sub(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve_oidc(fw, &idp).await;
    let b = server.browser();
    let target = format!("{}/dashboard", server.base);
    let dance = oauth_sign_in(&b, "oidc", &target, "").await;
    assert_signed_in(&dance, &target);
    let me = b.get("/api/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    let user = &me.json()["user"];
    assert_eq!(user["name"], "Ida Provider");
    assert_eq!(user["email"], "ida@idp.example");
    assert_eq!(user["image"], "https://idp.example/avatars/ida.png");
    let sub = decode_token(&b.cookie(SESSION).expect("session"))["sub"].clone();
    assert!(sub.as_str().is_some_and(|s| s.len() == 36), "a UUID: {sub}");
    assert_eq!(user["id"], sub);

    // Signing in again (another browser) gives the same user id; another account another.
    let again = server.browser();
    assert_signed_in(&oauth_sign_in(&again, "oidc", &target, "").await, &target);
    let sub2 = decode_token(&again.cookie(SESSION).expect("session"))["sub"].clone();
    assert_eq!(sub, sub2, "sub is stable across sign-ins");
    idp.set_user(IdpUser {
        sub: "idp-user-2".into(),
        name: "Other".into(),
        ..IdpUser::default()
    });
    let other = server.browser();
    assert_signed_in(&oauth_sign_in(&other, "oidc", &target, "").await, &target);
    let sub3 = decode_token(&other.cookie(SESSION).expect("session"))["sub"].clone();
    assert_ne!(sub, sub3);
    assert_eq!(other.get("/api/me").await.json()["user"]["name"], "Other");
}

async fn the_authorization_request_carries_the_checks_and_params(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve_oidc(fw, &idp).await;
    let b = server.browser();
    let dance = oauth_sign_in(&b, "oidc", "/", "?prompt=login&login_hint=ida&state=evil").await;
    let start = &dance.start;
    assert_eq!(start.status, 302);
    let to = start.location().expect("location");
    assert!(
        to.starts_with(&format!("{}/authorize?", idp.origin())),
        "{to}"
    );
    let params = idp.last_authorize().expect("the provider saw the request");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], idp.client_id());
    assert_eq!(
        params["redirect_uri"],
        format!("{}/auth/callback/oidc", server.base)
    );
    assert_eq!(params["scope"], "openid profile email");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert!(params["nonce"].len() >= 32);
    assert_eq!(params["prompt"], "login");
    assert_eq!(params["login_hint"], "ida");
    assert_ne!(params["state"], "evil", "a request cannot choose the state");
    assert!(params["state"].len() >= 32);
    // The three check cookies: encrypted, HttpOnly, Lax, 15 minutes.
    for name in ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"] {
        let line = start
            .set_cookie(name)
            .unwrap_or_else(|| panic!("{name} set"));
        assert_cookie_attrs(line, false);
        let value = start.cookie_value(name).expect("value");
        assert!(value.split('.').count() == 5, "{name} is a JWE");
        assert!(
            !value.contains(&params["state"]),
            "{name} is not the plain value"
        );
        let expires = start.cookie_expires(name).expect("Expires");
        let ttl = expires - authgate_tests::now();
        assert!((880..=905).contains(&ttl), "{name}: {ttl} s");
    }
    // The callback clears all three (single use).
    let callback = dance.callback();
    for name in ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"] {
        assert!(
            callback.clears(name),
            "{name} cleared: {:?}",
            callback.set_cookies()
        );
    }
}

async fn a_minimal_id_token_is_merged_with_userinfo(fw: Framework) {
    let idp = MockIdp::start().await;
    idp.set_minimal_id_token(true);
    let server = serve_oidc(fw, &idp).await;
    let b = server.browser();
    assert_signed_in(
        &oauth_sign_in(&b, "oidc", "/", "").await,
        &format!("{}/", server.base),
    );
    let user = b.get("/api/me").await.json()["user"].clone();
    assert_eq!(user["name"], "Ida Provider");
    assert_eq!(user["email"], "ida@idp.example");
    assert_eq!(idp.calls().userinfo, 1);
}

async fn replayed_tampered_missing_and_foreign_checks_fail(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve(fw, &idp, |b| {
        b.provider(
            OAuth::oidc("oidc2", "Second", idp.issuer())
                .client_id(idp.client_id())
                .client_secret(idp.client_secret()),
        )
    })
    .await;
    let base = &server.base;

    // Replay: the same callback URL a second time (its cookies are gone).
    let b = server.browser();
    let dance = oauth_sign_in(&b, "oidc", "/", "").await;
    assert_signed_in(&dance, &format!("{base}/"));
    let url = dance.callback_url().expect("callback URL").to_owned();
    let res = b.get(&url).await;
    assert_failed(&res, base, "error", "Configuration", "replay");

    // Replay with the check cookies put back: the code is used up at the provider.
    let b = server.browser();
    let dance = oauth_sign_in_stopped_at_provider(&b, "oidc").await;
    let (url, cookies) = dance;
    let first = b.get(&url).await;
    assert_eq!(first.status, 302);
    for (name, value) in &cookies {
        b.set_cookie(name, value);
    }
    let res = b.get(&url).await;
    assert_failed(&res, base, "error", "Configuration", "code replay");

    // Tampered state.
    let b = server.browser();
    let (url, _) = oauth_sign_in_stopped_at_provider(&b, "oidc").await;
    let tampered = url.replace("state=", "state=x");
    assert_failed(
        &b.get(&tampered).await,
        base,
        "error",
        "Configuration",
        "state",
    );

    // No check cookies (another browser).
    let b = server.browser();
    let (url, _) = oauth_sign_in_stopped_at_provider(&b, "oidc").await;
    let stranger = server.browser();
    assert_failed(
        &stranger.get(&url).await,
        base,
        "error",
        "Configuration",
        "no cookies",
    );

    // A tampered state cookie.
    let b = server.browser();
    let (url, _) = oauth_sign_in_stopped_at_provider(&b, "oidc").await;
    let cookie = b.cookie("authjs.state").expect("state cookie");
    let flipped = if cookie.ends_with('A') { 'B' } else { 'A' };
    b.set_cookie(
        "authjs.state",
        &format!("{}{flipped}", &cookie[..cookie.len() - 1]),
    );
    assert_failed(&b.get(&url).await, base, "error", "Configuration", "cookie");

    // Cookies minted for provider oidc2 on oidc's callback.
    let b = server.browser();
    let (url, _) = oauth_sign_in_stopped_at_provider(&b, "oidc2").await;
    let foreign = url.replace("/callback/oidc2?", "/callback/oidc?");
    assert_failed(
        &b.get(&foreign).await,
        base,
        "error",
        "Configuration",
        "foreign",
    );
    // ... while on its own callback they work.
    let b = server.browser();
    let (url, _) = oauth_sign_in_stopped_at_provider(&b, "oidc2").await;
    assert!(b.get(&url).await.sets(SESSION));
}

/// Starts a sign-in and lets the provider answer, but does not follow its redirect back:
/// the callback URL and the check cookies the browser holds.
async fn oauth_sign_in_stopped_at_provider(
    b: &Browser,
    provider: &str,
) -> (String, Vec<(String, String)>) {
    let csrf = b.csrf().await;
    let start = b
        .post_form(&format!("/auth/signin/{provider}"), &[("csrfToken", &csrf)])
        .await;
    let to = start.location().expect("to the provider").to_owned();
    let back = b.send(b.bare(Method::GET, &to)).await;
    let url = back.location().expect("back to the app").to_owned();
    let cookies = ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"]
        .iter()
        .filter_map(|n| b.cookie(n).map(|v| ((*n).to_owned(), v)))
        .collect();
    (url, cookies)
}

async fn the_providers_error_goes_to_the_sign_in_page(fw: Framework) {
    let idp = MockIdp::start().await;
    idp.set_misbehaviour(Misbehaviour::DenyAuthorization);
    let server = serve_oidc(fw, &idp).await;
    let b = server.browser();
    let dance = oauth_sign_in(&b, "oidc", "/", "").await;
    let res = dance.callback();
    assert_failed(
        res,
        &server.base,
        "signin",
        "OAuthCallbackError",
        "access_denied",
    );
    assert!(res.clears("authjs.state"));
    let page = b.get(res.location().expect("location")).await;
    assert!(page
        .body
        .contains("Try signing in with a different account."));
}

async fn every_provider_fault_fails_the_callback(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve(fw, &idp, |b| b.http_timeout(Duration::from_millis(1500))).await;
    for fault in [
        Misbehaviour::WrongIssuer,
        Misbehaviour::BadSignature,
        Misbehaviour::AlgNone,
        Misbehaviour::ExpiredIdToken,
        Misbehaviour::FutureIat,
        Misbehaviour::WrongAudience,
        Misbehaviour::WrongNonce,
        Misbehaviour::NoIdToken,
        Misbehaviour::TokenErrorWith200,
        Misbehaviour::Token5xx,
        Misbehaviour::HugeTokenResponse,
        Misbehaviour::SlowToken(Duration::from_secs(4)),
        Misbehaviour::UserinfoSubMismatch,
    ] {
        idp.set_misbehaviour(fault);
        let b = server.browser();
        let dance = oauth_sign_in(&b, "oidc", "/", "").await;
        assert_failed(
            dance.callback(),
            &server.base,
            "error",
            "Configuration",
            &format!("{fault:?}"),
        );
        assert_eq!(b.get("/api/me").await.status, 401, "{fault:?}");
    }
    // And once the provider behaves again, sign-in works.
    idp.clear_misbehaviour();
    let b = server.browser();
    assert_signed_in(
        &oauth_sign_in(&b, "oidc", "/", "").await,
        &format!("{}/", server.base),
    );
}

async fn an_unreachable_issuer_fails_the_start(fw: Framework) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let issuer = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let server = spawn_with(fw, move |b| {
        b.provider(
            OAuth::oidc("down", "Down", &issuer)
                .client_id("c")
                .client_secret("s"),
        )
        .http_timeout(Duration::from_secs(2))
    })
    .await;
    let b = server.browser();
    let dance = oauth_sign_in(&b, "down", "/", "").await;
    assert!(dance.authorize.is_none());
    assert_failed(
        &dance.start,
        &server.base,
        "signin",
        "Configuration",
        "issuer down",
    );
    assert!(
        dance.start.set_cookie("authjs.state").is_none(),
        "no check cookies"
    );
}

async fn key_rotation_is_followed_and_refetches_are_rate_limited(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve_oidc(fw, &idp).await;
    let ok = format!("{}/", server.base);
    assert_signed_in(
        &oauth_sign_in(&server.browser(), "oidc", "/", "").await,
        &ok,
    );
    assert_eq!(idp.calls().jwks, 1);
    assert_signed_in(
        &oauth_sign_in(&server.browser(), "oidc", "/", "").await,
        &ok,
    );
    assert_eq!(idp.calls().jwks, 1, "the JWKS is cached");
    // The provider rotates right away: the unknown kid refetches the JWKS at once.
    idp.rotate_keys();
    assert_signed_in(
        &oauth_sign_in(&server.browser(), "oidc", "/", "").await,
        &ok,
    );
    assert_eq!(idp.calls().jwks, 2);
    // A second unknown kid within the cooldown does not refetch: that sign-in fails.
    idp.rotate_keys();
    let dance = oauth_sign_in(&server.browser(), "oidc", "/", "").await;
    assert_failed(
        dance.callback(),
        &server.base,
        "error",
        "Configuration",
        "cooldown",
    );
    assert_eq!(idp.calls().jwks, 2);
    assert_eq!(idp.calls().discovery, 1, "discovery is cached");
}

async fn github_preset_with_a_private_email(fw: Framework) {
    let idp = MockIdp::start().await;
    idp.set_private_email(true);
    let gh = github(&idp);
    let server = spawn_with(fw, move |b| b.provider(gh)).await;
    let b = server.browser();
    let dance = oauth_sign_in(&b, "github", "/", "").await;
    assert_signed_in(&dance, &format!("{}/", server.base));
    let params = idp.last_authorize().expect("authorize");
    assert_eq!(params["scope"], "read:user user:email");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(!params.contains_key("nonce"));
    let user = b.get("/api/me").await.json()["user"].clone();
    assert_eq!(
        user["email"], "ida@idp.example",
        "the primary verified email"
    );
    assert_eq!(user["name"], "Ida Provider");
    assert_eq!(user["image"], "https://idp.example/avatars/ida.png");
    let calls = idp.calls();
    assert_eq!((calls.github_user, calls.github_emails), (1, 1));
    // An error with HTTP 200 from GitHub's token endpoint fails the callback.
    idp.set_misbehaviour(Misbehaviour::TokenErrorWith200);
    let dance = oauth_sign_in(&server.browser(), "github", "/", "").await;
    assert_failed(
        dance.callback(),
        &server.base,
        "error",
        "Configuration",
        "github 200 error",
    );
}

async fn form_post_providers_post_back(fw: Framework) {
    let idp = MockIdp::start().await;
    let (issuer, id, secret) = (
        idp.issuer().to_owned(),
        idp.client_id(),
        idp.client_secret(),
    );
    let server = spawn_with(fw, move |b| {
        b.provider(
            OAuth::oidc("apple-like", "Form Post", &issuer)
                .client_id(id)
                .client_secret(secret)
                .form_post(),
        )
    })
    .await;
    let b = server.browser();
    let dance = oauth_sign_in(&b, "apple-like", "/", "").await;
    assert_eq!(
        idp.last_authorize().expect("authorize")["response_mode"],
        "form_post"
    );
    assert_eq!(dance.authorize.as_ref().map(|r| r.status), Some(200));
    assert_signed_in(&dance, &format!("{}/", server.base));
    assert_eq!(
        b.get("/api/me").await.json()["user"]["name"],
        "Ida Provider"
    );

    // A browser drops the SameSite=Lax callback-url cookie on the provider's cross-site
    // POST: the state cookie carries the callback URL instead.
    let b = server.browser();
    let csrf = b.csrf().await;
    let start = b
        .post_form(
            "/auth/signin/apple-like",
            &[("csrfToken", csrf.as_str()), ("callbackUrl", "/dashboard")],
        )
        .await;
    let to = start.location().expect("to the provider").to_owned();
    let page = b.send(b.bare(Method::GET, &to)).await;
    b.remove_cookie("authjs.callback-url");
    let res = authgate_tests::submit_form_post(&b, &page.body).await;
    assert_eq!(
        res.location(),
        Some(format!("{}/dashboard", server.base).as_str())
    );
    assert!(res.sets(SESSION));
}

async fn providers_and_the_sign_in_page_list_oauth(fw: Framework) {
    let idp = MockIdp::start().await;
    let gh = github(&idp);
    let server = serve(fw, &idp, move |b| b.provider(gh)).await;
    let b = server.browser();
    let providers = b.get("/auth/providers").await.json();
    let base = &server.base;
    assert_eq!(
        providers["oidc"],
        serde_json::json!({"id": "oidc", "name": "OpenID Connect", "type": "oidc",
            "signinUrl": format!("{base}/auth/signin/oidc"), "callbackUrl": format!("{base}/auth/callback/oidc")})
    );
    assert_eq!(providers["github"]["type"], "oauth");
    let page = b.get("/auth/signin").await;
    for id in ["oidc", "github"] {
        assert!(
            page.body.contains(&format!(
                r#"<form action="{base}/auth/signin/{id}" method="POST">"#
            )),
            "{id} button"
        );
    }
    assert!(page.body.contains("Sign in with GitHub"));
    // Without the CSRF token a sign-in does not start.
    let res = b
        .post_form("/auth/signin/oidc", &[("callbackUrl", "/")])
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/auth/signin?error=MissingCSRF").as_str())
    );
    assert_eq!(idp.calls().authorize, 0);
    // A GET of the start is not a sign-in (Auth.js v5).
    let res = b.get("/auth/signin/oidc").await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/auth/error?error=Configuration").as_str())
    );
}

async fn the_jwt_callback_gets_account_and_profile(fw: Framework) {
    let idp = MockIdp::start().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None::<(Value, Value, Option<bool>)>));
    let record = std::sync::Arc::clone(&seen);
    let server = serve(fw, &idp, move |b| {
        b.on_jwt(move |ctx| {
            let record = std::sync::Arc::clone(&record);
            async move {
                if ctx.trigger == Some(authgate::Trigger::SignIn) {
                    let account = serde_json::to_value(&ctx.account).unwrap_or_default();
                    let profile = ctx.profile.clone().unwrap_or_default();
                    *record.lock().expect("lock") = Some((account, profile, ctx.is_new_user));
                }
                Ok(Some(ctx.token))
            }
        })
    })
    .await;
    let b = server.browser();
    assert_signed_in(
        &oauth_sign_in(&b, "oidc", "/", "").await,
        &format!("{}/", server.base),
    );
    let (account, profile, is_new) = seen.lock().expect("lock").clone().expect("jwt ran");
    assert_eq!(account["type"], "oidc");
    assert_eq!(account["provider"], "oidc");
    assert_eq!(account["providerAccountId"], "idp-user-1");
    assert_eq!(account["token_type"], "bearer");
    for field in [
        "access_token",
        "refresh_token",
        "id_token",
        "expires_at",
        "scope",
    ] {
        assert!(!account[field].is_null(), "account.{field}");
    }
    assert_eq!(profile["sub"], "idp-user-1");
    assert_eq!(profile["iss"], idp.issuer());
    assert_eq!(is_new, None, "no adapter: unknown, as Auth.js");
}

async fn refresh_is_single_flight_under_concurrency(fw: Framework) {
    let idp = MockIdp::start_with(IdpConfig {
        access_token_ttl: Duration::from_secs(3),
        ..IdpConfig::default()
    })
    .await;
    let provider = OAuth::oidc("oidc", "OIDC", idp.issuer())
        .client_id(idp.client_id())
        .client_secret(idp.client_secret());
    let refresher = TokenRefresher::new(provider.clone())
        .expect("refresher")
        .leeway(Duration::ZERO);
    let server = refreshing_instance(fw, provider, refresher).await;
    let b = server.browser();
    assert_signed_in(
        &oauth_sign_in(&b, "oidc", "/", "").await,
        &format!("{}/", server.base),
    );
    let cookie = b.cookie_pair(SESSION).expect("session");
    let old = decode_token(&b.cookie(SESSION).expect("session"));
    let (old_access, old_refresh) = (old["access_token"].clone(), old["refresh_token"].clone());
    assert!(old_access.is_string() && old_refresh.is_string() && old["expires_at"].is_i64());

    // Not expired yet: no refresh.
    assert_eq!(
        get_with(&server.base, "/api/me", Some(&cookie), None)
            .await
            .status,
        200
    );
    assert_eq!(idp.calls().token_refresh, 0);

    tokio::time::sleep(Duration::from_millis(4100)).await;
    // 16 requests at once with the same expired token: one refresh, all get its tokens.
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (base, cookie) = (server.base.clone(), cookie.clone());
            tokio::spawn(async move { get_with(&base, "/api/me", Some(&cookie), None).await })
        })
        .collect();
    let mut fresh = Vec::new();
    for task in tasks {
        let res = task.await.expect("request task");
        assert_eq!(res.status, 200, "{}", res.body);
        let value = res
            .session_token(SESSION)
            .expect("re-issued session cookie");
        fresh.push(decode_token(&value));
    }
    assert_eq!(idp.calls().token_refresh, 1, "single flight");
    for claims in &fresh {
        assert_ne!(claims["access_token"], old_access);
        assert_ne!(
            claims["refresh_token"], old_refresh,
            "the rotated refresh token"
        );
        assert_eq!(claims["access_token"], fresh[0]["access_token"]);
        assert_eq!(claims["refresh_token"], fresh[0]["refresh_token"]);
        assert!(claims.get("error").is_none());
    }

    // A failed refresh marks the token instead of ending the session.
    idp.set_misbehaviour(Misbehaviour::Token5xx);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let newest = format!(
        "{SESSION}={}",
        encode_uri_component(&craft_token(&Value::Object(fresh[0].clone())))
    );
    let res = get_with(&server.base, "/api/me", Some(&newest), None).await;
    assert_eq!(res.status, 200);
    let claims = decode_token(&res.session_token(SESSION).expect("re-issued"));
    assert_eq!(claims["error"], authgate::REFRESH_TOKEN_ERROR);
    assert_eq!(idp.calls().token_refresh, 2);
    // The failure is not remembered: once the provider is back, the same token refreshes.
    idp.clear_misbehaviour();
    let res = get_with(&server.base, "/api/me", Some(&newest), None).await;
    let claims = decode_token(&res.session_token(SESSION).expect("re-issued"));
    assert!(claims.get("error").is_none(), "{claims:?}");
    assert_ne!(claims["access_token"], fresh[0]["access_token"]);
    assert_eq!(idp.calls().token_refresh, 3);
}

/// An instance of an app whose `jwt` refreshes through `refresher`.
async fn refreshing_instance(fw: Framework, provider: OAuth, refresher: TokenRefresher) -> Server {
    spawn_with(fw, move |b| {
        b.provider(provider).on_jwt(move |ctx| {
            let refresher = refresher.clone();
            async move {
                let mut token = ctx.token;
                match (ctx.trigger, &ctx.account) {
                    (Some(Trigger::SignIn), Some(account)) => {
                        TokenRefresher::remember(&mut token, account)?;
                    }
                    _ => {
                        refresher.refresh_if_expired(&mut token).await?;
                    }
                }
                Ok(Some(token))
            }
        })
    })
    .await
}

async fn refresh_is_single_flight_across_instances(fw: Framework) {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("skipped: Redis (REDIS_URL not set)");
        return;
    };
    let redis = match authgate::redis::RedisAdapter::connect(&url).await {
        Ok(r) => r.with_prefix(format!("authgate-refresh-{:016x}:", rand::random::<u64>())),
        Err(err) => {
            eprintln!("skipped: Redis at REDIS_URL: {err}");
            return;
        }
    };
    let idp = MockIdp::start_with(IdpConfig {
        access_token_ttl: Duration::from_secs(3),
        ..IdpConfig::default()
    })
    .await;
    let provider = OAuth::oidc("oidc", "OIDC", idp.issuer())
        .client_id(idp.client_id())
        .client_secret(idp.client_secret());
    // Two app instances: each its own refresher (its own in-process single flight), one
    // shared Redis lock.
    let lock: std::sync::Arc<dyn authgate::RefreshLock> = std::sync::Arc::new(redis.refresh_lock());
    let refresher = || {
        TokenRefresher::new(provider.clone())
            .expect("refresher")
            .leeway(Duration::ZERO)
            .shared(std::sync::Arc::clone(&lock))
    };
    let a = refreshing_instance(fw, provider.clone(), refresher()).await;
    let b = refreshing_instance(fw, provider.clone(), refresher()).await;
    let browser = a.browser();
    assert_signed_in(
        &oauth_sign_in(&browser, "oidc", "/", "").await,
        &format!("{}/", a.base),
    );
    let cookie = browser.cookie_pair(SESSION).expect("session");
    let old = decode_token(&browser.cookie(SESSION).expect("session"));
    tokio::time::sleep(Duration::from_millis(4100)).await;
    // The same expired token on both instances at once: one refresh in all.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let base = if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            };
            let cookie = cookie.clone();
            tokio::spawn(async move { get_with(&base, "/api/me", Some(&cookie), None).await })
        })
        .collect();
    let mut fresh = Vec::new();
    for task in tasks {
        let res = task.await.expect("request task");
        assert_eq!(res.status, 200, "{}", res.body);
        fresh.push(decode_token(
            &res.session_token(SESSION).expect("re-issued"),
        ));
    }
    assert_eq!(
        idp.calls().token_refresh,
        1,
        "one refresh across both instances"
    );
    for claims in &fresh {
        assert!(claims.get("error").is_none(), "{claims:?}");
        assert_ne!(claims["refresh_token"], old["refresh_token"]);
        assert_eq!(claims["access_token"], fresh[0]["access_token"]);
    }
}

async fn form_post_check_cookies_are_cross_site_on_https(fw: Framework) {
    let idp = MockIdp::start().await;
    let (issuer, id, secret) = (
        idp.issuer().to_owned(),
        idp.client_id(),
        idp.client_secret(),
    );
    let server = authgate_tests::spawn_custom(fw, move |base| {
        let https = base.replace("http://", "https://");
        authgate_demo::configure(
            authgate::AuthConfig::builder()
                .secret(authgate_tests::SECRET)
                .url(https),
        )
        .provider(
            OAuth::oidc("apple-like", "Form Post", &issuer)
                .client_id(id)
                .client_secret(secret)
                .form_post(),
        )
        .provider(
            OAuth::oidc("plain", "Plain", &issuer)
                .client_id(id)
                .client_secret(secret),
        )
    })
    .await;
    for (provider, same_site) in [("apple-like", "None"), ("plain", "Lax")] {
        let b = server.browser();
        let csrf = b.json_csrf("/auth/csrf").await;
        let res = b
            .send(
                b.request(Method::POST, &format!("/auth/signin/{provider}"))
                    .header("x-auth-return-redirect", "1")
                    .form(&[("csrfToken", csrf.as_str())]),
            )
            .await;
        assert_eq!(res.status, 200, "{provider}: {}", res.body);
        let url = res.json()["url"].as_str().expect("url").to_owned();
        assert!(
            url.starts_with(&format!("{}/authorize?", idp.origin())),
            "{url}"
        );
        for name in [
            "__Secure-authjs.state",
            "__Secure-authjs.pkce.code_verifier",
            "__Secure-authjs.nonce",
        ] {
            let line = res
                .set_cookie(name)
                .unwrap_or_else(|| panic!("{provider}: {name}"));
            assert_eq!(
                authgate_tests::cookie_attr(line, "samesite").as_deref(),
                Some(same_site),
                "{line}"
            );
            assert!(
                authgate_tests::cookie_attr(line, "secure").is_some(),
                "{line}"
            );
            assert!(
                authgate_tests::cookie_attr(line, "httponly").is_some(),
                "{line}"
            );
        }
    }
}

async fn sign_in_callback_decides_for_oauth_users_too(fw: Framework) {
    let idp = MockIdp::start().await;
    let server = serve_oidc(fw, &idp).await;
    // The demo's `sign_in` denies @blocked.example addresses.
    idp.set_user(IdpUser {
        email: "Eve@Blocked.Example".into(),
        ..IdpUser::default()
    });
    let b = server.browser();
    let dance = oauth_sign_in(&b, "oidc", "/", "").await;
    assert_failed(
        dance.callback(),
        &server.base,
        "error",
        "AccessDenied",
        "denied",
    );
    assert!(dance.callback().clears("authjs.state"));
}

suite!(
    sign_in_callback_decides_for_oauth_users_too,
    form_post_check_cookies_are_cross_site_on_https,
    refresh_is_single_flight_under_concurrency,
    refresh_is_single_flight_across_instances,
    oidc_sign_in_sets_the_profile_and_a_stable_sub,
    the_authorization_request_carries_the_checks_and_params,
    a_minimal_id_token_is_merged_with_userinfo,
    replayed_tampered_missing_and_foreign_checks_fail,
    the_providers_error_goes_to_the_sign_in_page,
    every_provider_fault_fails_the_callback,
    an_unreachable_issuer_fails_the_start,
    key_rotation_is_followed_and_refetches_are_rate_limited,
    github_preset_with_a_private_email,
    form_post_providers_post_back,
    providers_and_the_sign_in_page_list_oauth,
    the_jwt_callback_gets_account_and_profile,
);
