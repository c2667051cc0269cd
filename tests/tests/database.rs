//! Database sessions through the demo on every store (memory, SQLite, and PostgreSQL and
//! Redis when available), on every framework: credentials (opt-in) and OAuth sign-in,
//! the stored rows, sliding expiry, sign-out, linking rules, session management, and a
//! store that goes down.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use authgate::{
    adapter::NewUser, async_trait, CreateUserEvent, Error, Events, LinkAccountEvent, OAuth, Pages,
};
use authgate_tests::{
    get_with, oauth_sign_in, spawn_database, stores, suite, FlakyAdapter, Framework, MockIdp, Resp,
    SESSION,
};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A name no other test (or run, on a shared database) uses.
fn unique(tag: &str) -> String {
    format!("{tag}-{:016x}", rand::random::<u64>())
}

fn oidc(idp: &MockIdp) -> OAuth {
    OAuth::oidc("oidc", "OpenID Connect", idp.issuer())
        .client_id(idp.client_id())
        .client_secret(idp.client_secret())
}

async fn credentials_get_a_real_session_row(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let server = spawn_database(fw, Arc::clone(&adapter), |b| b).await;
        let b = server.browser();
        let res = b.sign_in("alice", "wonderland").await;
        assert_eq!(res.status, 302, "{s}: {}", res.body);
        // The cookie is an opaque token; the store keeps only its hash.
        let cookie = b.cookie(SESSION).expect("session cookie");
        assert_eq!(cookie.len(), 64, "{s}: {cookie}");
        assert!(cookie.bytes().all(|c| c.is_ascii_hexdigit()), "{s}");
        let rows = adapter.list_sessions("1").await.expect("list");
        assert_eq!(rows.len(), 1, "{s}");
        assert_eq!(
            rows[0].session_token,
            sha256_hex(&cookie),
            "{s}: stored hashed"
        );
        let stored = adapter
            .get_user("1")
            .await
            .expect("get")
            .expect("alice stored");
        assert_eq!(stored.email.as_deref(), Some("alice@example.com"), "{s}");

        let me = b.get("/api/me").await;
        assert_eq!(me.status, 200, "{s}: {}", me.body);
        let body = me.json();
        assert_eq!(body["user"]["id"], "1", "{s}");
        assert_eq!(body["user"]["role"], "admin", "{s}");
        assert_eq!(body["user"]["name"], "Alice", "{s}");
        assert!(
            !me.body.contains(&cookie) && !me.body.contains(&sha256_hex(&cookie)),
            "{s}"
        );
        assert_eq!(b.get("/admin").await.status, 200, "{s}");

        // An update stores the new name.
        let csrf = b.csrf().await;
        let res = b
            .post_json(
                "/auth/session",
                &json!({"csrfToken": csrf, "data": {"name": "Alicia"}}),
            )
            .await;
        assert_eq!(res.status, 200, "{s}: {}", res.body);
        assert_eq!(res.json()["user"]["name"], "Alicia", "{s}");
        let stored = adapter.get_user("1").await.expect("get").expect("alice");
        assert_eq!(stored.name.as_deref(), Some("Alicia"), "{s}");
        assert_eq!(
            b.get("/api/me").await.json()["user"]["name"],
            "Alicia",
            "{s}"
        );

        // Sign-out deletes the row.
        let csrf = b.csrf().await;
        let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert!(res.clears(SESSION), "{s}");
        assert!(
            adapter.list_sessions("1").await.expect("list").is_empty(),
            "{s}"
        );
        let stale = format!("{SESSION}={cookie}");
        let res = get_with(&server.base, "/api/me", Some(&stale), None).await;
        assert_eq!(res.status, 401, "{s}: a signed-out token is no session");
        assert!(res.clears(SESSION), "{s}");
        let _ = adapter.delete_user("1").await;
    }
}

async fn expired_sessions_are_deleted_and_updates_slide(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let server = spawn_database(fw, Arc::clone(&adapter), |b| {
            b.update_age(std::time::Duration::from_secs(60))
        })
        .await;
        let b = server.browser();
        b.sign_in("bob", "builder").await;
        let cookie = b.cookie(SESSION).expect("session");
        let hashed = sha256_hex(&cookie);
        // Within update_age: no write, no cookie on app routes.
        let res = b.get("/api/me").await;
        assert_eq!(res.status, 200, "{s}");
        assert!(res.set_cookie(SESSION).is_none(), "{s}: nothing to re-set");
        // A session older than update_age slides: new expiry in the store and the cookie.
        let old = time::OffsetDateTime::now_utc() + time::Duration::days(29);
        let old = old.replace_nanosecond(0).unwrap_or(old);
        adapter.update_session(&hashed, old).await.expect("update");
        let res = b.get("/api/me").await;
        assert_eq!(res.status, 200, "{s}");
        let slid = adapter.list_sessions("2").await.expect("list")[0].expires;
        assert!(
            slid > old + time::Duration::hours(23),
            "{s}: slid to {slid}"
        );
        let cookie_expires = res.cookie_expires(SESSION).expect("re-set cookie");
        assert_eq!(cookie_expires, slid.unix_timestamp(), "{s}");
        // Expired: absent, deleted, cookie cleared.
        let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
        adapter
            .update_session(&hashed, past.replace_nanosecond(0).unwrap_or(past))
            .await
            .expect("update");
        let res = b.get("/api/me").await;
        assert_eq!(res.status, 401, "{s}");
        assert!(res.clears(SESSION), "{s}");
        assert!(
            adapter.list_sessions("2").await.expect("list").is_empty(),
            "{s}"
        );
        assert!(
            adapter
                .delete_session(&hashed)
                .await
                .expect("delete")
                .is_none(),
            "{s}: the row is gone"
        );
        let _ = adapter.delete_user("2").await;
    }
}

#[derive(Default)]
struct Counts {
    created: AtomicUsize,
    linked: AtomicUsize,
}

struct Counter(Arc<Counts>);

#[async_trait]
impl Events for Counter {
    async fn create_user(&self, _: CreateUserEvent) -> Result<(), Error> {
        self.0.created.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn link_account(&self, _: LinkAccountEvent) -> Result<(), Error> {
        self.0.linked.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn oauth_first_sign_in_creates_user_and_account(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let idp = MockIdp::start().await;
        let sub = unique(&format!("idp-{s}"));
        idp.set_user(authgate_tests::IdpUser {
            sub: sub.clone(),
            email: format!("{sub}@idp.example"),
            ..authgate_tests::IdpUser::default()
        });
        let adapter = Arc::clone(&store.adapter);
        let counts = Arc::new(Counts::default());
        let events = Counter(Arc::clone(&counts));
        let provider = oidc(&idp);
        let server = spawn_database(fw, Arc::clone(&adapter), move |b| {
            b.provider(provider).events(events).pages(Pages {
                new_user: Some("/welcome".into()),
                ..Pages::default()
            })
        })
        .await;
        let b = server.browser();
        let dance = oauth_sign_in(&b, "oidc", "/dashboard", "").await;
        let res = dance.callback();
        assert_eq!(res.status, 302, "{s}: {}", res.body);
        let welcome = format!(
            "{}/welcome?callbackUrl={}",
            server.base,
            authgate_tests::form_encode(&format!("{}/dashboard", server.base))
        );
        assert_eq!(
            res.location(),
            Some(welcome.as_str()),
            "{s}: new users go to new_user"
        );
        let user = adapter
            .get_user_by_account("oidc", &sub)
            .await
            .expect("by account")
            .expect("created");
        assert_eq!(user.name.as_deref(), Some("Ida Provider"), "{s}");
        let accounts = adapter.list_accounts(&user.id).await.expect("accounts");
        assert_eq!(accounts.len(), 1, "{s}");
        assert!(
            accounts[0].extra.get("access_token").is_some(),
            "{s}: tokens stored"
        );
        assert_eq!(b.get("/api/me").await.json()["user"]["id"], user.id, "{s}");
        assert_eq!(
            (
                counts.created.load(Ordering::SeqCst),
                counts.linked.load(Ordering::SeqCst)
            ),
            (1, 1),
            "{s}: events"
        );
        // Later sign-ins find the user by account.
        let again = server.browser();
        let dance = oauth_sign_in(&again, "oidc", "/dashboard", "").await;
        assert_eq!(
            dance.callback().location(),
            Some(format!("{}/dashboard", server.base).as_str()),
            "{s}"
        );
        assert_eq!(
            again.get("/api/me").await.json()["user"]["id"],
            user.id,
            "{s}"
        );
        assert_eq!(counts.created.load(Ordering::SeqCst), 1, "{s}");
        let _ = adapter.delete_user(&user.id).await;
    }
}

/// Signs in with the `oidc` provider and returns the id of the user its account is
/// linked to.
async fn sign_in_then_owner(
    b: &authgate_tests::Browser,
    adapter: &dyn authgate::adapter::Adapter,
    sub: &str,
    s: &str,
) -> Option<String> {
    let dance = oauth_sign_in(b, "oidc", "/", "").await;
    assert!(
        dance.callback().sets(SESSION),
        "{s}: {:?}",
        dance.callback().location()
    );
    adapter
        .get_user_by_account("oidc", sub)
        .await
        .expect("by account")
        .map(|u| u.id)
}

async fn linking_rules(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let idp = MockIdp::start().await;
        let tag = unique(s);
        let email = format!("link-{tag}@idp.example");
        let owner = adapter
            .create_user(NewUser {
                email: Some(email.clone()),
                ..NewUser::default()
            })
            .await
            .expect("create");
        idp.set_user(authgate_tests::IdpUser {
            sub: format!("sub-{tag}"),
            email: email.clone(),
            ..authgate_tests::IdpUser::default()
        });
        // An account whose email belongs to another user: refused.
        let strict = oidc(&idp);
        let server = spawn_database(fw, Arc::clone(&adapter), move |b| b.provider(strict)).await;
        let b = server.browser();
        let res = oauth_sign_in(&b, "oidc", "/", "").await;
        assert_eq!(
            res.callback().location(),
            Some(format!("{}/auth/signin?error=OAuthAccountNotLinked", server.base).as_str()),
            "{s}"
        );
        assert!(!res.callback().sets(SESSION), "{s}");
        // With dangerous email linking the account joins that user.
        let lenient = oidc(&idp).allow_dangerous_email_account_linking(true);
        let server = spawn_database(fw, Arc::clone(&adapter), move |b| b.provider(lenient)).await;
        let b = server.browser();
        let linked = sign_in_then_owner(&b, &*adapter, &format!("sub-{tag}"), s).await;
        assert_eq!(linked, Some(owner.id.clone()), "{s}");
        // Signed in as bob (credentials), a new provider account is linked to bob.
        idp.set_user(authgate_tests::IdpUser {
            sub: format!("bob-sub-{tag}"),
            email: format!("bob-{tag}@elsewhere.example"),
            ..authgate_tests::IdpUser::default()
        });
        let plain = oidc(&idp);
        let server = spawn_database(fw, Arc::clone(&adapter), move |b| b.provider(plain)).await;
        let b = server.browser();
        b.sign_in("bob", "builder").await;
        let linked = sign_in_then_owner(&b, &*adapter, &format!("bob-sub-{tag}"), s).await;
        assert_eq!(linked.as_deref(), Some("2"), "{s}: linked to bob");
        let _ = adapter.delete_user(&owner.id).await;
        let _ = adapter.delete_user("2").await;
    }
}

async fn users_list_and_revoke_their_sessions(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let server = spawn_database(fw, Arc::clone(&adapter), |b| b).await;
        let (laptop, phone) = (server.browser(), server.browser());
        laptop.sign_in("bob", "builder").await;
        phone.sign_in("bob", "builder").await;
        let list = laptop.get("/api/sessions").await;
        assert_eq!(list.status, 200, "{s}: {}", list.body);
        let sessions = list.json()["sessions"].as_array().cloned().expect("array");
        assert_eq!(sessions.len(), 2, "{s}");
        assert_eq!(
            sessions.iter().filter(|x| x["current"] == true).count(),
            1,
            "{s}"
        );
        for token in [laptop.cookie(SESSION), phone.cookie(SESSION)]
            .into_iter()
            .flatten()
        {
            assert!(
                !list.body.contains(&token) && !list.body.contains(&sha256_hex(&token)),
                "{s}"
            );
        }
        // Sign out everywhere else.
        let res = laptop
            .send(laptop.request(Method::DELETE, "/api/sessions"))
            .await;
        assert_eq!(res.json()["revoked"], 1, "{s}: {}", res.body);
        assert_eq!(
            phone.get("/api/me").await.status,
            401,
            "{s}: the phone is signed out"
        );
        assert_eq!(laptop.get("/api/me").await.status, 200, "{s}");
        // Revoke one by id (here: the current one).
        let sessions = laptop.get("/api/sessions").await.json()["sessions"].clone();
        let id = sessions[0]["id"].as_str().expect("id").to_owned();
        let res = laptop
            .send(laptop.request(Method::DELETE, &format!("/api/sessions/{id}")))
            .await;
        assert_eq!(res.json()["revoked"], 1, "{s}");
        assert_eq!(laptop.get("/api/me").await.status, 401, "{s}");
        let anon = server.browser();
        assert_eq!(anon.get("/api/sessions").await.status, 401, "{s}");
        let _ = adapter.delete_user("2").await;
    }
}

async fn a_store_outage_is_503_not_a_sign_out(fw: Framework) {
    let flaky = FlakyAdapter::new(Arc::new(authgate::adapter::MemoryAdapter::new()));
    let server = spawn_database(fw, Arc::new(flaky.clone()), |b| b).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert_eq!(b.get("/api/me").await.status, 200);
    flaky.set_down(true);
    let res = b.get("/api/me").await;
    assert_eq!(
        (res.status, res.json()),
        (503, json!({"error": "ServiceUnavailable"}))
    );
    assert!(res.set_cookie(SESSION).is_none(), "the cookie is kept");
    let res = b.get_page("/dashboard").await;
    assert_eq!(res.status, 503, "a guard does not send the user to sign in");
    let res = b.get("/auth/session").await;
    assert_eq!((res.status, res.body.as_str()), (200, "null"), "as Auth.js");
    assert!(res.set_cookie(SESSION).is_none(), "the cookie is kept");
    let fresh = server.browser();
    let res: Resp = fresh.sign_in("bob", "builder").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );
    assert!(flaky.failed_calls() >= 4);
    // The store is back: the same cookie works again, without a restart.
    flaky.set_down(false);
    assert_eq!(b.get("/api/me").await.json()["user"]["id"], "1");
}

/// Asserts that less than `secs` passed since `started` (a store held for 60 s).
fn did_not_wait(started: std::time::Instant, secs: u64, what: &str) {
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(secs),
        "{what}: {waited:?}"
    );
}

/// A server on a store that can be slowed, with a 200 ms store timeout.
async fn with_store_timeout(fw: Framework) -> (FlakyAdapter, authgate_tests::Server) {
    let flaky = FlakyAdapter::new(Arc::new(authgate::adapter::MemoryAdapter::new()));
    let timeout = std::time::Duration::from_millis(200);
    let server = spawn_database(fw, Arc::new(flaky.clone()), move |b| {
        b.store_timeout(timeout)
    })
    .await;
    (flaky, server)
}

async fn a_store_that_does_not_answer_is_503_after_the_store_timeout(fw: Framework) {
    let (flaky, server) = with_store_timeout(fw).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert_eq!(b.get("/api/me").await.status, 200);
    // A store that takes a minute to answer (a hung server or network).
    flaky.set_read_delay(std::time::Duration::from_secs(60));
    let started = std::time::Instant::now();
    let res = b.get("/api/me").await;
    assert_eq!(
        (res.status, res.json()),
        (503, json!({"error": "ServiceUnavailable"}))
    );
    assert!(res.set_cookie(SESSION).is_none(), "the cookie is kept");
    let res = b.get("/auth/session").await;
    assert_eq!((res.status, res.body.as_str()), (200, "null"), "as Auth.js");
    did_not_wait(started, 30, "the requests did not wait for the store");
    // Answering again: the same cookie works.
    flaky.set_read_delay(std::time::Duration::ZERO);
    assert_eq!(b.get("/api/me").await.json()["user"]["id"], "1");
}

/// The writes a session read may make (deleting an unknown or expired session,
/// sliding the expiry) are limited by the same timeout: a hung write does not hold the
/// request.
async fn a_hung_store_write_does_not_hold_a_read(fw: Framework) {
    let (flaky, server) = with_store_timeout(fw).await;
    flaky.set_session_write_delay(std::time::Duration::from_secs(60));
    let started = std::time::Instant::now();
    let cookie = format!("{SESSION}={}", unique("no-such-session"));
    let res = get_with(&server.base, "/api/me", Some(&cookie), None).await;
    assert_eq!(res.status, 401, "an unknown session is no session");
    assert!(res.set_cookie(SESSION).is_some(), "its cookie is cleared");
    did_not_wait(started, 30, "the request did not wait for the delete");
}

/// Sign-in and sign-out are limited by the same timeout: a store that does not answer
/// sends a sign-in to the error page, and a sign-out still clears the cookie.
async fn a_hung_store_holds_neither_sign_in_nor_sign_out(fw: Framework) {
    let (flaky, server) = with_store_timeout(fw).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    assert_eq!(b.get("/api/me").await.status, 200);
    flaky.set_session_write_delay(std::time::Duration::from_secs(60));
    let started = std::time::Instant::now();
    // Sign-out: the row cannot be deleted in time; the cookie goes anyway.
    let csrf = b.csrf().await;
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert_eq!(res.status, 302, "{}", res.body);
    assert!(res.clears(SESSION), "the cookie is cleared");
    // Sign-in: the session row cannot be stored in time.
    let other = server.browser();
    let res = other.sign_in("alice", "wonderland").await;
    assert_eq!(res.status, 302);
    let location = res.header("location").unwrap_or_default().to_owned();
    assert!(location.contains("error=Configuration"), "{location}");
    assert!(
        other.cookie(SESSION).is_none(),
        "no session without its row"
    );
    // Each held call is given up after 200 ms: far from the store's 60 s.
    did_not_wait(started, 5, "the requests did not wait for the store");
    // The store answers again: signing in works.
    flaky.set_session_write_delay(std::time::Duration::ZERO);
    let res = other.sign_in("alice", "wonderland").await;
    assert_eq!(res.status, 302);
    assert_eq!(other.get("/api/me").await.json()["user"]["id"], "1");
}

async fn concurrent_first_sign_ins_make_one_user(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let idp = MockIdp::start().await;
        let sub = unique(&format!("race-{s}"));
        idp.set_user(authgate_tests::IdpUser {
            sub: sub.clone(),
            email: format!("{sub}@idp.example"),
            ..authgate_tests::IdpUser::default()
        });
        let provider = oidc(&idp);
        let server =
            Arc::new(spawn_database(fw, Arc::clone(&adapter), move |b| b.provider(provider)).await);
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let server = Arc::clone(&server);
                tokio::spawn(async move {
                    let b = server.browser();
                    let dance = oauth_sign_in(&b, "oidc", "/", "").await;
                    let res = dance.callback();
                    (
                        res.status,
                        res.sets(SESSION),
                        res.location().map(str::to_owned),
                    )
                })
            })
            .collect();
        for task in tasks {
            let (status, signed_in, location) = task.await.expect("task");
            assert!(
                status == 302 && signed_in,
                "{s}: every one signs in: {status} {location:?}"
            );
        }
        let owner = adapter
            .get_user_by_account("oidc", &sub)
            .await
            .expect("by account")
            .expect("one user");
        let by_email = adapter
            .get_user_by_email(&format!("{sub}@idp.example"))
            .await
            .expect("by email");
        assert_eq!(
            by_email.map(|u| u.id),
            Some(owner.id.clone()),
            "{s}: exactly one user"
        );
        assert_eq!(
            adapter.list_sessions(&owner.id).await.expect("list").len(),
            12,
            "{s}"
        );
        let _ = adapter.delete_user(&owner.id).await;
    }
}

async fn refreshed_tokens_are_written_back_to_the_account(fw: Framework) {
    use authgate::{SessionStrategy, TokenRefresher, Trigger};
    use std::time::Duration;
    let store = stores().await.remove(0);
    let adapter = Arc::clone(&store.adapter);
    let idp = MockIdp::start_with(authgate_tests::IdpConfig {
        access_token_ttl: Duration::from_secs(3),
        ..authgate_tests::IdpConfig::default()
    })
    .await;
    // Database sessions: the app asks for the account with a valid access token.
    let refresher = TokenRefresher::new(oidc(&idp))
        .expect("refresher")
        .leeway(Duration::ZERO)
        .adapter(Arc::clone(&adapter));
    let provider = oidc(&idp);
    let server = spawn_database(fw, Arc::clone(&adapter), move |b| b.provider(provider)).await;
    let b = server.browser();
    assert!(oauth_sign_in(&b, "oidc", "/", "")
        .await
        .callback()
        .sets(SESSION));
    let user_id = b.get("/api/me").await.json()["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let before = adapter.list_accounts(&user_id).await.expect("accounts")[0].clone();
    let fresh = refresher
        .fresh_account(&user_id)
        .await
        .expect("fresh")
        .expect("account");
    assert_eq!(
        fresh.extra["access_token"], before.extra["access_token"],
        "not expired yet"
    );
    assert_eq!(idp.calls().token_refresh, 0);
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let fresh = refresher
        .fresh_account(&user_id)
        .await
        .expect("fresh")
        .expect("account");
    assert_ne!(fresh.extra["access_token"], before.extra["access_token"]);
    assert_ne!(
        fresh.extra["refresh_token"], before.extra["refresh_token"],
        "rotated"
    );
    let stored = adapter.list_accounts(&user_id).await.expect("accounts")[0].clone();
    assert_eq!(stored, fresh, "written back");
    assert_eq!(idp.calls().token_refresh, 1);
    assert!(
        TokenRefresher::new(oidc(&idp))
            .expect("refresher")
            .fresh_account(&user_id)
            .await
            .is_err(),
        "no adapter"
    );

    // JWT sessions with an adapter: `jwt` refreshes, and the account follows.
    let jwt_refresher = TokenRefresher::new(oidc(&idp))
        .expect("refresher")
        .leeway(Duration::ZERO)
        .adapter(Arc::clone(&adapter));
    let provider = oidc(&idp);
    let server = spawn_database(fw, Arc::clone(&adapter), move |b| {
        b.strategy(SessionStrategy::Jwt)
            .provider(provider)
            .on_jwt(move |ctx| {
                let refresher = jwt_refresher.clone();
                async move {
                    let mut token = ctx.token;
                    match (ctx.trigger, &ctx.account) {
                        (Some(Trigger::SignIn | Trigger::SignUp), Some(account)) => {
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
    .await;
    let b = server.browser();
    assert!(oauth_sign_in(&b, "oidc", "/", "")
        .await
        .callback()
        .sets(SESSION));
    let calls = idp.calls().token_refresh;
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    assert_eq!(idp.calls().token_refresh, calls + 1);
    let claims = authgate_tests::decode_token(&b.cookie(SESSION).expect("session"));
    let stored = adapter.list_accounts(&user_id).await.expect("accounts")[0].clone();
    assert_eq!(
        stored.extra["access_token"], claims["access_token"],
        "written back"
    );
    let _ = adapter.delete_user(&user_id).await;
}

async fn the_session_cache_never_outlives_a_sign_out_here(fw: Framework) {
    let flaky = FlakyAdapter::new(Arc::new(authgate::adapter::MemoryAdapter::new()));
    let server = spawn_database(fw, Arc::new(flaky.clone()), |b| {
        b.database_session_cache(std::time::Duration::from_secs(60))
    })
    .await;
    let (laptop, phone) = (server.browser(), server.browser());
    laptop.sign_in("bob", "builder").await;
    phone.sign_in("bob", "builder").await;
    assert_eq!(laptop.get("/api/me").await.status, 200);
    assert_eq!(phone.get("/api/me").await.status, 200);
    // Cached: app routes do not ask the store.
    flaky.set_down(true);
    assert_eq!(
        laptop.get("/api/me").await.status,
        200,
        "served from the cache"
    );
    flaky.set_down(false);
    // An update is seen at once.
    let csrf = laptop.csrf().await;
    laptop
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "Robert"}}),
        )
        .await;
    assert_eq!(laptop.get("/api/me").await.json()["user"]["name"], "Robert");
    // Revoking the phone drops its cache entry: signed out at once.
    let res = laptop
        .send(laptop.request(Method::DELETE, "/api/sessions"))
        .await;
    assert_eq!(res.json()["revoked"], 1);
    assert_eq!(phone.get("/api/me").await.status, 401);
    // Signing out drops it too.
    let cookie = laptop.cookie_pair(SESSION).expect("session");
    let csrf = laptop.csrf().await;
    laptop
        .post_form("/auth/signout", &[("csrfToken", &csrf)])
        .await;
    let res = get_with(&server.base, "/api/me", Some(&cookie), None).await;
    assert_eq!(
        res.status, 401,
        "a signed-out session is never served from the cache"
    );
}

/// Concurrent session reads share store calls, each request still gets its own
/// session, a signed-out session is never served to a request that comes after the
/// sign-out, and an outage during gathered reads is a 503 for each of them.
async fn concurrent_session_reads_share_store_calls(fw: Framework) {
    let flaky = FlakyAdapter::new(Arc::new(authgate::adapter::MemoryAdapter::new()));
    let server = spawn_database(fw, Arc::new(flaky.clone()), |b| b).await;
    let (alice, bob) = (server.browser(), server.browser());
    alice.sign_in("alice", "wonderland").await;
    bob.sign_in("bob", "builder").await;
    let cookies = [
        ("1", alice.cookie_pair(SESSION).expect("alice's session")),
        ("2", bob.cookie_pair(SESSION).expect("bob's session")),
    ];
    flaky.set_read_delay(std::time::Duration::from_millis(40));
    let reads_before = flaky.session_reads();
    let burst = |expect_alice: u16| {
        let base = server.base.clone();
        let cookies = cookies.clone();
        async move {
            let requests = (0..40).map(|i| {
                let (id, cookie) = cookies[i % 2].clone();
                let base = base.clone();
                async move { (id, get_with(&base, "/api/me", Some(&cookie), None).await) }
            });
            for (id, res) in futures_util::future::join_all(requests).await {
                let expected = if id == "1" { expect_alice } else { 200 };
                assert_eq!(res.status, expected, "user {id}: {}", res.body);
                if res.status == 200 {
                    assert_eq!(
                        res.json()["user"]["id"],
                        id,
                        "each request gets its own session"
                    );
                }
            }
        }
    };
    burst(200).await;
    let (calls, sessions) = flaky.session_reads();
    let (calls, sessions) = (calls - reads_before.0, sessions - reads_before.1);
    assert_eq!(sessions, 40, "every request read the store");
    assert!(calls <= 10, "40 concurrent reads took {calls} store calls");
    // Alice signs out: no request after that gets her session.
    let csrf = alice.csrf().await;
    alice
        .post_form("/auth/signout", &[("csrfToken", &csrf)])
        .await;
    burst(401).await;
    // The store goes down while reads are gathered: each is a 503, none a sign-out.
    flaky.set_down(true);
    let requests = (0..10).map(|_| get_with(&server.base, "/api/me", Some(&cookies[1].1), None));
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.status, 503, "{}", res.body);
    }
    flaky.set_down(false);
    flaky.set_read_delay(std::time::Duration::ZERO);
    assert_eq!(bob.get("/api/me").await.json()["user"]["id"], "2");
}

/// With the session cache on, a read whose store answer was in flight while the session
/// was signed out does not put it back in the cache.
async fn a_read_overlapping_a_sign_out_is_not_cached(fw: Framework) {
    let flaky = FlakyAdapter::new(Arc::new(authgate::adapter::MemoryAdapter::new()));
    let server = spawn_database(fw, Arc::new(flaky.clone()), |b| {
        b.database_session_cache(std::time::Duration::from_secs(60))
    })
    .await;
    let bob = server.browser();
    bob.sign_in("bob", "builder").await;
    let cookie = bob.cookie_pair(SESSION).expect("a session");
    flaky.set_read_delay(std::time::Duration::from_millis(400));
    let base = server.base.clone();
    let read = tokio::spawn({
        let cookie = cookie.clone();
        async move { get_with(&base, "/api/me", Some(&cookie), None).await }
    });
    // The read has its answer in flight; bob signs out meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let csrf = bob.csrf().await;
    bob.post_form("/auth/signout", &[("csrfToken", &csrf)])
        .await;
    let res = read.await.expect("the read");
    assert_eq!(res.status, 200, "it started before the sign-out");
    // Nothing may answer from the cache now: with the store down, a cached entry would
    // be a 200.
    flaky.set_read_delay(std::time::Duration::ZERO);
    flaky.set_down(true);
    let res = get_with(&server.base, "/api/me", Some(&cookie), None).await;
    assert_ne!(
        res.status, 200,
        "a signed-out session was served from the cache"
    );
    flaky.set_down(false);
    assert_eq!(
        get_with(&server.base, "/api/me", Some(&cookie), None)
            .await
            .status,
        401
    );
}

suite!(
    a_read_overlapping_a_sign_out_is_not_cached,
    concurrent_session_reads_share_store_calls,
    the_session_cache_never_outlives_a_sign_out_here,
    refreshed_tokens_are_written_back_to_the_account,
    credentials_get_a_real_session_row,
    expired_sessions_are_deleted_and_updates_slide,
    oauth_first_sign_in_creates_user_and_account,
    linking_rules,
    users_list_and_revoke_their_sessions,
    a_store_outage_is_503_not_a_sign_out,
    a_store_that_does_not_answer_is_503_after_the_store_timeout,
    a_hung_store_holds_neither_sign_in_nor_sign_out,
    a_hung_store_write_does_not_hold_a_read,
    concurrent_first_sign_ins_make_one_user,
);
