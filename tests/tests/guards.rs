//! Guards and extractors on the demo's app routes (DESIGN §4, §6).

use authgate::Pages;
use authgate_tests::{form_encode, spawn, spawn_with, suite, token_for, Framework, Resp, SESSION};
use reqwest::Method;
use serde_json::json;

fn assert_json(res: &Resp, status: u16, body: serde_json::Value, what: &str) {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{what}: content-type {:?}",
        res.header("content-type")
    );
    assert_eq!(res.json(), body, "{what}");
}

fn sign_in_url(base: &str, path: &str) -> String {
    format!(
        "{base}/auth/signin?callbackUrl={}",
        form_encode(&format!("{base}{path}"))
    )
}

async fn api_me_with_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let expires = body["expires"].as_str().expect("expires").to_owned();
    assert_json(
        &res,
        200,
        json!({"user": {"id": "1", "name": "Alice", "email": "alice@example.com", "role": "admin"}, "expires": expires}),
        "alice",
    );
    // The same body as GET /auth/session.
    let session = b.session().await;
    assert_eq!(session["user"], body["user"]);

    let b = server.browser();
    b.sign_in("bob", "builder").await;
    let res = b.get("/api/me").await;
    assert_eq!(
        res.json()["user"],
        json!({"id": "2", "name": "Bob", "email": "bob@example.com", "role": "user"})
    );
}

async fn api_me_without_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let unauthorized = json!({"error": "Unauthorized"});
    assert_json(&b.get("/api/me").await, 401, unauthorized.clone(), "anon");
    // An extractor answers 401 even to a page request.
    assert_json(
        &b.get_page("/api/me").await,
        401,
        unauthorized.clone(),
        "anon page",
    );
    // After sign-out too.
    b.sign_in("alice", "wonderland").await;
    assert_eq!(b.get("/api/me").await.status, 200);
    let csrf = b.csrf().await;
    b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert_json(&b.get("/api/me").await, 401, unauthorized, "signed out");
}

async fn dashboard_requires_a_session(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let b = server.browser();
    let res = b.get_page("/dashboard").await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(sign_in_url(&base, "/dashboard").as_str())
    );
    let res = b.get_page("/dashboard?tab=2&x=a%20b").await;
    assert_eq!(
        res.location(),
        Some(sign_in_url(&base, "/dashboard?tab=2&x=a%20b").as_str())
    );
    // A page guard (`GuardMode::Redirect`): the redirect whatever the `Accept` header.
    for accept in [None, Some("application/json"), Some("*/*")] {
        let mut req = b.request(Method::GET, "/dashboard");
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        let res = b.send(req).await;
        assert_eq!(res.status, 302, "accept {accept:?}");
        assert_eq!(
            res.location(),
            Some(sign_in_url(&base, "/dashboard").as_str()),
            "accept {accept:?}"
        );
    }

    // Follow the redirect: the sign-in page carries the callbackUrl, sign-in returns
    // to the dashboard.
    let res = b.get_page("/dashboard").await;
    let page = b.get(res.location().expect("location")).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains(&format!(r#"name="callbackUrl" value="{base}/dashboard""#)));
    let res = b
        .sign_in_to("bob", "builder", &format!("{base}/dashboard"))
        .await;
    assert_eq!(res.location(), Some(format!("{base}/dashboard").as_str()));
    let res = b.get_page("/dashboard").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Welcome, Bob."), "{}", res.body);
}

async fn admin_requires_the_admin_role(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let alice = server.browser();
    alice.sign_in("alice", "wonderland").await;
    let res = alice.get_page("/admin").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Hello admin Alice."));

    let bob = server.browser();
    bob.sign_in("bob", "builder").await;
    for res in [bob.get("/admin").await, bob.get_page("/admin").await] {
        assert_json(&res, 403, json!({"error": "Forbidden"}), "bob");
    }

    let anon = server.browser();
    assert_json(
        &anon.get("/admin").await,
        401,
        json!({"error": "Unauthorized"}),
        "anon",
    );
    let res = anon.get_page("/admin").await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some(sign_in_url(&base, "/admin").as_str()));

    // A role change in the token changes the answer.
    let forged_role = token_for(
        "2",
        0,
        600,
        &json!({"name": "Bob", "id": "2", "role": "admin"}),
    );
    let b = server.browser();
    b.set_cookie(SESSION, &forged_role);
    assert_eq!(
        b.get("/admin").await.status,
        200,
        "a token with role admin (issued with the secret) passes"
    );
    // Updating the name does not drop the role.
    let csrf = alice.csrf().await;
    alice
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "Alicia", "role": "user"}}),
        )
        .await;
    let res = alice.get("/admin").await;
    assert_eq!(
        res.status, 200,
        "the demo jwt only takes a new name on update"
    );
    assert!(res.body.contains("Hello admin Alicia."));
}

async fn home_shows_who_is_signed_in(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Not signed in."));
    assert!(!res.body.contains("Signed in as"));
    b.sign_in("alice", "wonderland").await;
    let res = b.get("/").await;
    assert_eq!(res.status, 200);
    assert!(
        res.body.contains("Signed in as <strong>Alice</strong>."),
        "{}",
        res.body
    );
    // Names are escaped.
    let csrf = b.csrf().await;
    b.post_json(
        "/auth/session",
        &json!({"csrfToken": csrf, "data": {"name": "<b>x</b>"}}),
    )
    .await;
    let res = b.get("/").await;
    assert!(res
        .body
        .contains("Signed in as <strong>&lt;b&gt;x&lt;/b&gt;</strong>."));
    // A bad cookie reads as signed out (and is cleared).
    b.set_cookie(SESSION, "garbage");
    let res = b.get("/").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Not signed in."));
    assert!(res.clears(SESSION));
}

async fn guards_on_expired_or_bad_tokens(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let claims = json!({"name": "Alice", "id": "1", "role": "admin"});
    for (what, token) in [
        ("expired", token_for("1", 7200, -3600, &claims)),
        ("tampered", format!("{}x", token_for("1", 0, 600, &claims))),
    ] {
        let b = server.browser();
        b.set_cookie(SESSION, &token);
        let res = b.get_page("/dashboard").await;
        assert_eq!(res.status, 302, "{what}");
        assert_eq!(
            res.location(),
            Some(sign_in_url(&base, "/dashboard").as_str()),
            "{what}"
        );
        assert!(res.clears(SESSION), "{what}: cleared");
        b.set_cookie(SESSION, &token);
        assert_json(
            &b.get("/admin").await,
            401,
            json!({"error": "Unauthorized"}),
            what,
        );
    }
}

async fn guard_redirects_to_custom_sign_in_page(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.pages(Pages {
            sign_in: Some("/login".into()),
            ..Pages::default()
        })
    })
    .await;
    let base = server.base.clone();
    let b = server.browser();
    let res = b.get_page("/admin").await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/login?callbackUrl={}",
                form_encode(&format!("{base}/admin"))
            )
            .as_str()
        )
    );
}

async fn guards_refresh_old_sessions(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let claims = json!({"name": "Alice", "id": "1", "role": "admin"});
    b.set_cookie(SESSION, &token_for("1", 25 * 3600, 3600, &claims));
    let res = b.get_page("/admin").await;
    assert_eq!(res.status, 200);
    assert!(
        res.sets(SESSION),
        "the guard's session read re-issues the cookie"
    );
    // A denied request still carries the refreshed cookie (the session was read).
    let b = server.browser();
    b.set_cookie(
        SESSION,
        &token_for(
            "2",
            25 * 3600,
            3600,
            &json!({"name": "Bob", "id": "2", "role": "user"}),
        ),
    );
    let res = b.get("/admin").await;
    assert_eq!(res.status, 403);
    assert!(res.sets(SESSION), "{:?}", res.set_cookies());
}

suite!(
    api_me_with_session,
    api_me_without_session,
    dashboard_requires_a_session,
    admin_requires_the_admin_role,
    home_shows_who_is_signed_in,
    guards_on_expired_or_bad_tokens,
    guard_redirects_to_custom_sign_in_page,
    guards_refresh_old_sessions,
);
