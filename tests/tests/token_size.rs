//! Hardening finding 1 (token size): authgate never issues a session token over the cap
//! (`max_issued_token_bytes`, 4 chunks by default), on both frameworks: sign-in fails
//! with `Configuration`, `POST /session` answers 400 `null`, a re-issue keeps the old
//! cookie; an oversized token from elsewhere is still read.

use authgate::{AuthConfig, Trigger};
use authgate_tests::{spawn, spawn_custom, suite, token_for, Browser, Framework, SECRET, SESSION};
use serde_json::json;

/// The answer sets no session cookie (the one the browser holds stays).
fn assert_keeps_session_cookie(res: &authgate_tests::Resp) {
    assert!(
        res.set_cookie_names()
            .iter()
            .all(|n| !n.starts_with(SESSION)),
        "{:?}",
        res.set_cookie_names()
    );
}

/// A GET with exactly this `Cookie` header (no jar).
async fn get_with_cookie(b: &Browser, path: &str, cookie: &str) -> authgate_tests::Resp {
    b.send(b.bare(reqwest::Method::GET, path).header("cookie", cookie))
        .await
}

/// The cookie pairs that carry `value` as a (chunked) session token.
fn chunked(value: &str) -> String {
    const CHUNK: usize = 4096 - 160;
    value
        .as_bytes()
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, c)| format!("{SESSION}.{i}={}", std::str::from_utf8(c).expect("ascii")))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn updates_over_the_cap_are_refused_and_keep_the_cookie(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let before = b.cookie(SESSION).expect("session");
    let csrf = b.csrf().await;
    let huge = "n".repeat(12_000);
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": huge}}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body, "null");
    assert_keeps_session_cookie(&res);
    assert_eq!(b.cookie(SESSION).as_deref(), Some(before.as_str()));
    assert_eq!(b.get("/api/me").await.json()["user"]["name"], "Alice");
    // A large name under the cap is fine.
    let big = "b".repeat(5_000);
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": big}}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(b.get("/api/me").await.json()["user"]["name"], big.as_str());
}

async fn sign_in_over_the_cap_is_a_configuration_error(fw: Framework) {
    let server = spawn_custom(fw, |url| {
        authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url)).on_jwt(
            |ctx| async move {
                let mut token = ctx.token;
                if ctx.trigger == Some(Trigger::SignIn) {
                    token.insert("blob", "x".repeat(20_000))?;
                }
                Ok(Some(token))
            },
        )
    })
    .await;
    let b = server.browser();
    let res = b.sign_in("alice", "wonderland").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );
    assert!(b.cookie(SESSION).is_none() && b.cookie(&format!("{SESSION}.0")).is_none());
}

async fn oversized_foreign_tokens_are_read_but_not_reissued(fw: Framework) {
    let server = spawn(fw).await;
    // An Auth.js app (no cap) issued a 20 kB session.
    let name = "f".repeat(15_000);
    let value = token_for(
        "1",
        0,
        3600,
        &json!({"name": name, "id": "1", "role": "admin"}),
    );
    assert!(value.len() > 4 * (4096 - 160), "{}", value.len());
    let cookie = chunked(&value);
    let b = Browser::new(&server.base);
    let me = get_with_cookie(&b, "/api/me", &cookie).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["user"]["name"], name.as_str());
    // `/session` re-issues on every read; over the cap it keeps the cookie as it is.
    let res = get_with_cookie(&b, "/auth/session", &cookie).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["user"]["name"], name.as_str());
    assert_keeps_session_cookie(&res);
}

/// An oversized foreign token older than `update_age`: an app route would slide it, but
/// it cannot be re-issued, so it is left alone (no encryption, no warning per request).
async fn oversized_old_foreign_tokens_are_not_slid(fw: Framework) {
    let server = spawn(fw).await;
    let name = "f".repeat(15_000);
    let old = token_for(
        "1",
        2 * 24 * 3600,
        3600,
        &json!({"name": name, "id": "1", "role": "admin"}),
    );
    let b = Browser::new(&server.base);
    let res = get_with_cookie(&b, "/api/me", &chunked(&old)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["user"]["name"], name.as_str());
    assert_keeps_session_cookie(&res);
}

suite!(
    updates_over_the_cap_are_refused_and_keep_the_cookie,
    sign_in_over_the_cap_is_a_configuration_error,
    oversized_foreign_tokens_are_read_but_not_reissued,
    oversized_old_foreign_tokens_are_not_slid,
);
