//! Every branch of every callback (`sign_in`, `redirect`, `jwt`, `session`), the app
//! error codes, and events (`reference/authjs-behaviour.md` §2, §5.2, §6.2).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use authgate::{
    async_trait, AuthConfig, Credentials, Error, Events, SessionEvent, SignInDecision, SignInEvent,
    SignOutEvent, Trigger, User,
};
use authgate_tests::{
    decode_token, spawn, spawn_custom, spawn_with, suite, Framework, SECRET, SESSION,
};
use serde_json::{json, Value};

fn credentials_failed(base: &str, code: &str) -> String {
    format!("{base}/auth/signin?error=CredentialsSignin&code={code}")
}

// ---------------------------------------------------------------------------------
// The demo users
// ---------------------------------------------------------------------------------

async fn alice_and_bob_sign_in(fw: Framework) {
    let server = spawn(fw).await;
    for (user, pass, id, name, email, role) in [
        (
            "alice",
            "wonderland",
            "1",
            "Alice",
            "alice@example.com",
            "admin",
        ),
        ("bob", "builder", "2", "Bob", "bob@example.com", "user"),
    ] {
        let b = server.browser();
        let res = b.sign_in_to(user, pass, "/dashboard").await;
        assert_eq!(res.status, 302, "{user}");
        assert_eq!(
            res.location(),
            Some(format!("{}/dashboard", server.base).as_str())
        );
        assert!(res.sets(SESSION), "{user}: session cookie");
        let session = b.session().await;
        assert_eq!(
            session["user"],
            json!({"id": id, "name": name, "email": email, "role": role}),
            "{user}"
        );
        // The token carries the id and role the demo's jwt copied.
        let token = decode_token(&b.cookie(SESSION).expect("cookie"));
        assert_eq!(token["sub"], id);
        assert_eq!(token["id"], id);
        assert_eq!(token["role"], role);
        assert_eq!(token["name"], name);
        assert_eq!(token["email"], email);
    }
}

async fn mallory_is_redirected(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.sign_in_to("mallory", "mallory", "/dashboard").await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/unauthorized", server.base).as_str())
    );
    assert!(res.set_cookie(SESSION).is_none(), "no session cookie");
    assert_eq!(b.session().await, Value::Null);
    let page = b.get("/unauthorized").await;
    assert_eq!(page.status, 200);
}

async fn eve_is_denied(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.sign_in("eve", "eve").await;
    assert_eq!(res.status, 302);
    let loc = format!("{}/auth/error?error=AccessDenied", server.base);
    assert_eq!(res.location(), Some(loc.as_str()));
    assert!(res.set_cookie(SESSION).is_none());
    assert_eq!(b.session().await, Value::Null);
    let page = b.get(&loc).await;
    assert_eq!(page.status, 403);
}

async fn bad_credentials(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let expected = credentials_failed(&server.base, "credentials");
    for (user, pass) in [
        ("alice", "wrong"),
        ("alice", ""),
        ("nobody", "wonderland"),
        ("ALICE", "wonderland"),
        ("", ""),
    ] {
        let res = b.sign_in(user, pass).await;
        assert_eq!(res.status, 302, "{user}/{pass}");
        assert_eq!(res.location(), Some(expected.as_str()), "{user}/{pass}");
        assert!(res.set_cookie(SESSION).is_none());
    }
    // Missing fields entirely.
    let csrf = b.csrf().await;
    for form in [
        vec![("csrfToken", csrf.as_str())],
        vec![("csrfToken", csrf.as_str()), ("username", "alice")],
        vec![("csrfToken", csrf.as_str()), ("password", "wonderland")],
    ] {
        let res = b.post_form("/auth/callback/credentials", &form).await;
        assert_eq!(res.location(), Some(expected.as_str()), "{form:?}");
    }
    assert_eq!(b.session().await, Value::Null);
    let page = b.get(&expected).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("Sign in failed. Check the details you provided are correct."));
}

// ---------------------------------------------------------------------------------
// jwt: triggers and update
// ---------------------------------------------------------------------------------

type SessionCall = (Option<Trigger>, Option<Value>);
type Calls = Arc<Mutex<Vec<(Option<Trigger>, Option<Value>, bool)>>>;

async fn jwt_triggers(fw: Framework) {
    let calls: Calls = Arc::default();
    let rec = Arc::clone(&calls);
    let server = spawn_with(fw, move |b| {
        b.on_jwt(move |ctx| {
            let rec = Arc::clone(&rec);
            async move {
                rec.lock().expect("lock").push((
                    ctx.trigger,
                    ctx.session.clone(),
                    ctx.user.is_some(),
                ));
                let mut token = ctx.token;
                if let Some(name) = ctx
                    .session
                    .as_ref()
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                {
                    token.name = Some(name.to_owned());
                }
                Ok(Some(token))
            }
        })
    })
    .await;
    let take = || std::mem::take(&mut *calls.lock().expect("lock"));
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert_eq!(take(), vec![(Some(Trigger::SignIn), None, true)]);

    b.session().await;
    assert_eq!(take(), vec![(None, None, false)], "plain read: no trigger");

    // Update without data: still Trigger::Update (we do better than Auth.js here).
    let csrf = b.csrf().await;
    let res = b
        .post_json("/auth/session", &json!({"csrfToken": csrf}))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert_eq!(take(), vec![(Some(Trigger::Update), None, false)]);

    // Update with data.
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "Renamed"}}),
        )
        .await;
    assert_eq!(res.json()["user"]["name"], "Renamed");
    assert_eq!(
        take(),
        vec![(
            Some(Trigger::Update),
            Some(json!({"name": "Renamed"})),
            false
        )]
    );
    assert_eq!(b.session().await["user"]["name"], "Renamed");
    take();

    // App routes read the session without a trigger.
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    assert_eq!(take(), vec![(None, None, false)]);

    // A refused update does not run jwt.
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": "bad", "data": {"name": "X"}}),
        )
        .await;
    assert_eq!(res.status, 400);
    assert!(take().is_empty(), "jwt not called on a refused update");
}

async fn jwt_sign_in_context(fw: Framework) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let rec = Arc::clone(&seen);
    let server = spawn_with(fw, move |b| {
        b.on_jwt(move |ctx| {
            let rec = Arc::clone(&rec);
            async move {
                if ctx.trigger == Some(Trigger::SignIn) {
                    rec.lock().expect("lock").push(json!({
                        "token": serde_json::to_value(&ctx.token)?,
                        "user": serde_json::to_value(&ctx.user)?,
                        "account": serde_json::to_value(&ctx.account)?,
                        "is_new_user": ctx.is_new_user,
                    }));
                }
                Ok(Some(ctx.token))
            }
        })
    })
    .await;
    let b = server.browser();
    b.sign_in("bob", "builder").await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(
        s["token"],
        json!({"sub": "2", "name": "Bob", "email": "bob@example.com"}),
        "initial token is {{name, email, picture, sub}}"
    );
    assert_eq!(
        s["user"],
        json!({"id": "2", "name": "Bob", "email": "bob@example.com", "role": "user"})
    );
    assert_eq!(
        s["account"],
        json!({"type": "credentials", "provider": "credentials", "providerAccountId": "2"})
    );
    assert_eq!(s["is_new_user"], json!(false));
}

async fn jwt_none_at_sign_in_sets_no_session(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.on_jwt(|ctx| async move {
            // Bob may authenticate but gets no session.
            if ctx.user.as_ref().is_some_and(|u| u.id == "2") {
                return Ok(None);
            }
            Ok(Some(ctx.token))
        })
    })
    .await;
    let b = server.browser();
    let res = b.sign_in_to("bob", "builder", "/x").await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some(format!("{}/x", server.base).as_str()));
    assert!(res.set_cookie(SESSION).is_none(), "no session cookie");
    assert_eq!(b.session().await, Value::Null);

    // An existing session is ended.
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert_eq!(b.session().await["user"]["name"], "Alice");
    let res = b.sign_in("bob", "builder").await;
    assert!(res.clears(SESSION), "{:?}", res.set_cookies());
    assert_eq!(b.session().await, Value::Null);
}

async fn jwt_error_at_sign_in_is_configuration(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.on_jwt(|ctx| async move {
            if ctx.trigger == Some(Trigger::SignIn) {
                return Err(Error::callback("token store down"));
            }
            Ok(Some(ctx.token))
        })
    })
    .await;
    let b = server.browser();
    let res = b.sign_in("alice", "wonderland").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );
    assert!(res.set_cookie(SESSION).is_none());
}

async fn jwt_error_or_none_on_read_ends_session(fw: Framework) {
    for mode in ["err", "none"] {
        let server = spawn_with(fw, move |b| {
            b.on_jwt(move |ctx| async move {
                match (ctx.trigger, mode) {
                    (Some(_), _) => Ok(Some(ctx.token)),
                    (None, "err") => Err(Error::callback("revoked")),
                    (None, _) => Ok(None),
                }
            })
        })
        .await;
        let b = server.browser();
        b.sign_in("alice", "wonderland").await;
        let cookie = b.cookie(SESSION).expect("cookie");
        let res = b.get("/auth/session").await;
        assert_eq!(res.status, 200, "{mode}");
        assert_eq!(res.body, "null", "{mode}");
        assert!(res.clears(SESSION), "{mode}: {:?}", res.set_cookies());

        // On an app route: 401 and the cookie cleared too.
        b.set_cookie(SESSION, &cookie);
        let res = b.get("/api/me").await;
        assert_eq!(res.status, 401, "{mode}");
        assert!(res.clears(SESSION), "{mode}: app route clears");
    }
}

/// §1.3 step 3: `jwt` returning null on an update ends the session like on a read:
/// body `null`, cookies cleared, and no error status (only thrown errors make v5
/// answer 400 on POST /session).
async fn jwt_none_on_update_ends_session(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.on_jwt(|ctx| async move {
            if ctx.trigger == Some(Trigger::Update) {
                return Ok(None);
            }
            Ok(Some(ctx.token))
        })
    })
    .await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let csrf = b.csrf().await;
    let res = b
        .post_json("/auth/session", &json!({"csrfToken": csrf, "data": {}}))
        .await;
    assert!(res.clears(SESSION), "{:?}", res.set_cookies());
    assert_eq!(res.body, "null");
    assert_eq!(res.status, 200, "a null token is not an error");
    assert_eq!(b.session().await, Value::Null);
}

// ---------------------------------------------------------------------------------
// session shaping
// ---------------------------------------------------------------------------------

async fn session_callback_shapes_the_body(fw: Framework) {
    let seen: Arc<Mutex<Vec<SessionCall>>> = Arc::default();
    let rec = Arc::clone(&seen);
    let server = spawn_with(fw, move |b| {
        b.on_session(move |ctx| {
            let rec = Arc::clone(&rec);
            async move {
                rec.lock()
                    .expect("lock")
                    .push((ctx.trigger, ctx.new_session.clone()));
                let mut session = ctx.session;
                if let Some(user) = session.user.as_mut() {
                    user.email = None;
                    user.id = ctx.token.as_ref().and_then(|t| t.sub.clone());
                }
                session.insert("tier", "gold")?;
                session.insert(
                    "tokenRole",
                    ctx.token.as_ref().and_then(|t| t.get::<String>("role")),
                )?;
                Ok(session)
            }
        })
    })
    .await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert!(
        seen.lock().expect("lock").is_empty(),
        "session is not called during sign-in"
    );
    let body = b.session().await;
    let expires = body["expires"].clone();
    assert!(expires.is_string());
    assert_eq!(
        body,
        json!({"user": {"id": "1", "name": "Alice"}, "expires": expires, "tier": "gold", "tokenRole": "admin"})
    );
    let csrf = b.csrf().await;
    b.post_json(
        "/auth/session",
        &json!({"csrfToken": csrf, "data": {"x": 1}}),
    )
    .await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        vec![(None, None), (Some(Trigger::Update), Some(json!({"x": 1})))]
    );
}

async fn default_session_exposes_only_the_basics(fw: Framework) {
    // No callbacks at all: Auth.js defaults.
    let server = spawn_custom(fw, |url| {
        AuthConfig::builder()
            .secret(SECRET)
            .url(url)
            .provider(Credentials::new(|_, _| async {
                Ok(Some(
                    User::new("42")
                        .name("Zed")
                        .email("zed@example.com")
                        .image("https://img.example/z.png")
                        .with("role", "admin")
                        .with("password_hash", "secret!"),
                ))
            }))
    })
    .await;
    let b = server.browser();
    let res = b.sign_in("zed", "x").await;
    assert_eq!(res.status, 302);
    let body = b.session().await;
    let expires = body["expires"].as_str().expect("expires").to_owned();
    assert_eq!(
        body,
        json!({"user": {"name": "Zed", "email": "zed@example.com", "image": "https://img.example/z.png"}, "expires": expires})
    );
    // The token has the standard claims only (the default jwt does not copy extras).
    let token = decode_token(&b.cookie(SESSION).expect("cookie"));
    let mut keys: Vec<&str> = token.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["email", "exp", "iat", "jti", "name", "picture", "sub"]
    );
    assert_eq!(token["sub"], "42");
    assert_eq!(token["picture"], "https://img.example/z.png");
    let (iat, exp) = (token["iat"].as_i64(), token["exp"].as_i64());
    assert_eq!(
        exp.zip(iat).map(|(e, i)| e - i),
        Some(30 * 24 * 3600),
        "exp = iat + max_age"
    );
}

async fn session_callback_error_ends_session(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.on_session(|_| async { Err(Error::callback("boom")) })
    })
    .await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let res = b.get("/auth/session").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "null");
    assert!(res.clears(SESSION));
}

async fn empty_user_id_gets_a_uuid(fw: Framework) {
    let server = spawn_custom(fw, |url| {
        AuthConfig::builder()
            .secret(SECRET)
            .url(url)
            .provider(Credentials::new(|_, _| async {
                Ok(Some(User::new("").name("Anon")))
            }))
    })
    .await;
    let mut subs = Vec::new();
    for _ in 0..2 {
        let b = server.browser();
        b.sign_in("x", "y").await;
        let token = decode_token(&b.cookie(SESSION).expect("cookie"));
        let sub = token["sub"].as_str().expect("sub").to_owned();
        assert_eq!(sub.len(), 36, "a UUID: {sub}");
        assert_eq!(sub.matches('-').count(), 4);
        subs.push(sub);
    }
    assert_ne!(subs[0], subs[1]);
}

// ---------------------------------------------------------------------------------
// authorize and sign_in outcomes, app error codes
// ---------------------------------------------------------------------------------

fn coded_config(url: &str, allow: bool) -> authgate::AuthConfigBuilder {
    let b = AuthConfig::builder()
        .secret(SECRET)
        .url(url)
        .provider(Credentials::new(|creds, _| async move {
            match creds.get("username").map(String::as_str) {
                Some("locked") => Err(Error::app_code("AccountLocked")),
                Some("broken") => Err(Error::callback("database unreachable")),
                Some("suspended") => Ok(Some(User::new("s").name("Sus"))),
                Some("signin-code") => Ok(Some(User::new("c").name("Coded"))),
                Some("signin-err") => Ok(Some(User::new("e").name("Err"))),
                Some("evil") => Ok(Some(User::new("v").name("Evil"))),
                Some("welcome") => Ok(Some(User::new("w").name("Welcome"))),
                Some("ok") => Ok(Some(User::new("k").name("Ok"))),
                _ => Ok(None),
            }
        }))
        .on_sign_in(|ctx| async move {
            Ok(match ctx.user.id.as_str() {
                "s" => SignInDecision::DenyWith("Suspended".into()),
                "c" => return Err(Error::app_code("Suspended")),
                "e" => return Err(Error::callback("sign_in blew up")),
                "v" => SignInDecision::Redirect("https://evil.example/phish".into()),
                "w" => SignInDecision::Redirect("/welcome?first=1".into()),
                _ => SignInDecision::Allow,
            })
        });
    if allow {
        b.error_code("AccountLocked", "Your account is locked.")
            .error_code("Suspended", "Your account is suspended.")
    } else {
        b
    }
}

async fn authorize_error_codes(fw: Framework) {
    let server = spawn_custom(fw, |url| coded_config(url, true)).await;
    let b = server.browser();
    let res = b.sign_in("locked", "x").await;
    let loc = credentials_failed(&server.base, "AccountLocked");
    assert_eq!(res.location(), Some(loc.as_str()));
    assert!(res.set_cookie(SESSION).is_none());
    let page = b.get(&loc).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Your account is locked."),
        "{}",
        page.body
    );
    // Plain refusal still says `credentials`.
    let res = b.sign_in("unknown", "x").await;
    assert_eq!(
        res.location(),
        Some(credentials_failed(&server.base, "credentials").as_str())
    );
    // Any other error from authorize is a server problem.
    let res = b.sign_in("broken", "x").await;
    let loc = format!("{}/auth/error?error=Configuration", server.base);
    assert_eq!(res.location(), Some(loc.as_str()));
    assert_eq!(b.get(&loc).await.status, 500);
    assert!(res.set_cookie(SESSION).is_none());
}

async fn authorize_code_not_allow_listed(fw: Framework) {
    let server = spawn_custom(fw, |url| coded_config(url, false)).await;
    let b = server.browser();
    let res = b.sign_in("locked", "x").await;
    let loc = credentials_failed(&server.base, "credentials");
    assert_eq!(res.location(), Some(loc.as_str()));
    let page = b
        .get(&credentials_failed(&server.base, "AccountLocked"))
        .await;
    assert!(
        !page.body.contains("Your account is locked."),
        "no message for a code off the list"
    );
    assert!(page.body.contains("Sign in failed."));
}

async fn sign_in_deny_with_code(fw: Framework) {
    let server = spawn_custom(fw, |url| coded_config(url, true)).await;
    let b = server.browser();
    let loc = format!("{}/auth/error?error=Suspended", server.base);
    for user in ["suspended", "signin-code"] {
        let res = b.sign_in(user, "x").await;
        assert_eq!(res.location(), Some(loc.as_str()), "{user}");
        assert!(res.set_cookie(SESSION).is_none());
    }
    let page = b.get(&loc).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("Your account is suspended."));
    // A non-code error from sign_in is AccessDenied.
    let res = b.sign_in("signin-err", "x").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=AccessDenied", server.base).as_str())
    );
    assert_eq!(b.session().await, Value::Null);
}

async fn sign_in_deny_with_code_not_allow_listed(fw: Framework) {
    let server = spawn_custom(fw, |url| coded_config(url, false)).await;
    let b = server.browser();
    let denied = format!("{}/auth/error?error=AccessDenied", server.base);
    for user in ["suspended", "signin-code"] {
        let res = b.sign_in(user, "x").await;
        assert_eq!(res.location(), Some(denied.as_str()), "{user}");
    }
    // The error page does not know the code either.
    let page = b.get("/auth/error?error=Suspended").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("suspended"));
}

async fn sign_in_redirects_go_through_redirect(fw: Framework) {
    let server = spawn_custom(fw, |url| coded_config(url, true)).await;
    let b = server.browser();
    let res = b.sign_in("evil", "x").await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some(server.base.as_str()));
    assert!(res.set_cookie(SESSION).is_none());
    let res = b.sign_in("welcome", "x").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/welcome?first=1", server.base).as_str())
    );
    assert!(res.set_cookie(SESSION).is_none());
    assert_eq!(b.session().await, Value::Null);
    // And "ok" signs in.
    let res = b.sign_in("ok", "x").await;
    assert!(res.sets(SESSION));
}

async fn custom_redirect_callback(fw: Framework) {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let rec = Arc::clone(&seen);
    let server = spawn_with(fw, move |b| {
        b.on_redirect(move |ctx| {
            let rec = Arc::clone(&rec);
            async move {
                rec.lock()
                    .expect("lock")
                    .push((ctx.url.clone(), ctx.base_url.clone()));
                if ctx.url.starts_with("https://partner.example/") {
                    return Ok(ctx.url);
                }
                if ctx.url == "/fail" {
                    return Err(Error::callback("redirect failed"));
                }
                Ok(authgate::default_redirect(&ctx.url, &ctx.base_url))
            }
        })
    })
    .await;
    let b = server.browser();
    let res = b
        .sign_in_to("alice", "wonderland", "https://partner.example/landing")
        .await;
    assert_eq!(res.location(), Some("https://partner.example/landing"));
    {
        let seen = seen.lock().expect("lock");
        assert!(
            seen.iter().all(|(_, base)| base == &server.base),
            "base_url is the origin only: {seen:?}"
        );
        assert!(seen
            .iter()
            .any(|(url, _)| url == "https://partner.example/landing"));
    }
    // mallory's sign_in redirect goes through the app's redirect too.
    let res = b.sign_in("mallory", "mallory").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/unauthorized", server.base).as_str())
    );
    assert!(seen
        .lock()
        .expect("lock")
        .iter()
        .any(|(url, _)| url == "/unauthorized"));
    // A failing redirect callback falls back to the origin.
    let res = b.sign_in_to("bob", "builder", "/fail").await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some(server.base.as_str()));
}

async fn sign_in_context(fw: Framework) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let rec = Arc::clone(&seen);
    let server = spawn_custom(fw, move |url| {
        let rec2 = Arc::clone(&rec);
        AuthConfig::builder()
            .secret(SECRET)
            .url(url)
            .provider(Credentials::new(move |creds, req| {
                let rec = Arc::clone(&rec2);
                async move {
                    rec.lock().expect("lock").push(json!({
                        "authorize": creds,
                        "method": req.method.as_str(),
                        "path": req.uri.path(),
                        "ua": req.headers.get("x-test").and_then(|v| v.to_str().ok()),
                    }));
                    Ok(Some(User::new("7").name("Seven")))
                }
            }))
            .on_sign_in(move |ctx| {
                let rec = Arc::clone(&rec);
                async move {
                    rec.lock().expect("lock").push(json!({
                        "user": serde_json::to_value(&ctx.user)?,
                        "account": serde_json::to_value(&ctx.account)?,
                        "credentials": ctx.credentials,
                    }));
                    Ok(SignInDecision::Allow)
                }
            })
    })
    .await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let res = b
        .send(
            b.request(reqwest::Method::POST, "/auth/callback/credentials")
                .header("x-test", "hello")
                .form(&[
                    ("csrfToken", csrf.as_str()),
                    ("username", "seven"),
                    ("password", "pw"),
                ]),
        )
        .await;
    assert_eq!(res.status, 302);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0]["authorize"]["username"], "seven");
    assert_eq!(seen[0]["authorize"]["password"], "pw");
    assert_eq!(seen[0]["method"], "POST");
    assert_eq!(seen[0]["path"], "/auth/callback/credentials");
    assert_eq!(seen[0]["ua"], "hello");
    assert_eq!(seen[1]["user"], json!({"id": "7", "name": "Seven"}));
    assert_eq!(
        seen[1]["account"],
        json!({"type": "credentials", "provider": "credentials", "providerAccountId": "7"})
    );
    assert_eq!(seen[1]["credentials"]["username"], "seven");
}

// ---------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------

#[derive(Default)]
struct Counter {
    sign_in: AtomicUsize,
    sign_out: AtomicUsize,
    session: AtomicUsize,
    last_sign_out_sub: Mutex<Option<String>>,
    last_sign_in_user: Mutex<Option<String>>,
    fail: bool,
}

struct CountingEvents(Arc<Counter>);

#[async_trait]
impl Events for CountingEvents {
    async fn sign_in(&self, event: SignInEvent) -> Result<(), Error> {
        self.0.sign_in.fetch_add(1, Ordering::SeqCst);
        *self.0.last_sign_in_user.lock().expect("lock") = Some(event.user.id.clone());
        assert_eq!(event.is_new_user, Some(false));
        assert!(event.account.is_some());
        if self.0.fail {
            return Err(Error::callback("event sink down"));
        }
        Ok(())
    }

    async fn sign_out(&self, event: SignOutEvent) -> Result<(), Error> {
        self.0.sign_out.fetch_add(1, Ordering::SeqCst);
        *self.0.last_sign_out_sub.lock().expect("lock") = event.token.and_then(|t| t.sub);
        if self.0.fail {
            return Err(Error::callback("event sink down"));
        }
        Ok(())
    }

    async fn session(&self, event: SessionEvent) -> Result<(), Error> {
        self.0.session.fetch_add(1, Ordering::SeqCst);
        assert!(event.session.user.is_some());
        assert!(event.token.sub.is_some());
        if self.0.fail {
            return Err(Error::callback("event sink down"));
        }
        Ok(())
    }
}

async fn events_fire(fw: Framework) {
    for fail in [false, true] {
        let counter = Arc::new(Counter {
            fail,
            ..Counter::default()
        });
        let c = Arc::clone(&counter);
        let server = spawn_with(fw, move |b| b.events(CountingEvents(c))).await;
        let n = |a: &AtomicUsize| a.load(Ordering::SeqCst);
        let b = server.browser();

        // Failed attempts fire nothing.
        b.sign_in("alice", "wrong").await;
        b.sign_in("eve", "eve").await;
        b.post_form("/auth/callback/credentials", &[("csrfToken", "bad")])
            .await;
        assert_eq!(n(&counter.sign_in), 0, "fail={fail}");

        let res = b.sign_in_to("alice", "wonderland", "/dashboard").await;
        assert_eq!(res.status, 302, "fail={fail}");
        assert_eq!(
            res.location(),
            Some(format!("{}/dashboard", server.base).as_str())
        );
        assert!(
            res.sets(SESSION),
            "fail={fail}: event errors change nothing"
        );
        assert_eq!(n(&counter.sign_in), 1);
        assert_eq!(
            counter.last_sign_in_user.lock().expect("lock").as_deref(),
            Some("1")
        );

        let res = b.get("/auth/session").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["user"]["name"], "Alice", "fail={fail}");
        assert!(res.sets(SESSION));
        assert_eq!(n(&counter.session), 1);
        let csrf = b.csrf().await;
        let res = b
            .post_json(
                "/auth/session",
                &json!({"csrfToken": csrf, "data": {"name": "A2"}}),
            )
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["user"]["name"], "A2", "fail={fail}");
        assert_eq!(n(&counter.session), 2, "update fires session too");

        // Refused sign-out: no event.
        b.post_form("/auth/signout", &[("csrfToken", "bad")]).await;
        assert_eq!(n(&counter.sign_out), 0);

        let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert_eq!(res.status, 302);
        assert!(res.clears(SESSION), "fail={fail}");
        assert_eq!(n(&counter.sign_out), 1);
        assert_eq!(
            counter.last_sign_out_sub.lock().expect("lock").as_deref(),
            Some("1")
        );

        // Sign-out without a session: no event.
        b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert_eq!(n(&counter.sign_out), 1);

        // Sign-out with an undecodable token: the event fires with no token.
        b.set_cookie(SESSION, "garbage");
        let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert!(res.clears(SESSION));
        assert_eq!(n(&counter.sign_out), 2);
        assert_eq!(*counter.last_sign_out_sub.lock().expect("lock"), None);
        assert_eq!(n(&counter.sign_in), 1);
    }
}

suite!(
    jwt_none_on_update_ends_session,
    alice_and_bob_sign_in,
    mallory_is_redirected,
    eve_is_denied,
    bad_credentials,
    jwt_triggers,
    jwt_sign_in_context,
    jwt_none_at_sign_in_sets_no_session,
    jwt_error_at_sign_in_is_configuration,
    jwt_error_or_none_on_read_ends_session,
    session_callback_shapes_the_body,
    default_session_exposes_only_the_basics,
    session_callback_error_ends_session,
    empty_user_id_gets_a_uuid,
    authorize_error_codes,
    authorize_code_not_allow_listed,
    sign_in_deny_with_code,
    sign_in_deny_with_code_not_allow_listed,
    sign_in_redirects_go_through_redirect,
    custom_redirect_callback,
    sign_in_context,
    events_fire,
);
