//! Email sign-in (magic links) through the demo on every framework: the whole flow
//! through the development sender's outbox and through a real SMTP conversation, the
//! scanner-safe confirm page, single use, expiry (with a clock the test controls),
//! tampering, the wrong address, CSRF, `sign_in` refusing before anything is sent,
//! address normalization, send failures, and the §5.4 rules for email users.

use std::{
    sync::{
        atomic::{AtomicI64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use authgate::{
    adapter::{Adapter, MemoryAdapter, NewUser},
    async_trait,
    email::{DevSender, SmtpSender},
    Clock, CreateUserEvent, Email, Error, Events, OAuth, Pages, SignInEvent, UpdateUserEvent,
};
use authgate_tests::{
    hidden_input, oauth_sign_in, spawn_email, stores, suite, Browser, Framework, IdpUser, MockIdp,
    Outbox, Resp, Server, SinkMode, SmtpSink, SECRET, SESSION,
};
use sha2::{Digest, Sha256};

/// A name no other test (or run, on a shared database) uses.
fn unique(tag: &str) -> String {
    format!("{tag}-{:016x}", rand::random::<u64>())
}

/// A clock the test moves forward.
#[derive(Clone, Default)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn clock(&self) -> Clock {
        let offset = Arc::clone(&self.0);
        Clock::from_fn(move || {
            time::OffsetDateTime::now_utc() + time::Duration::seconds(offset.load(Ordering::SeqCst))
        })
    }

    fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

/// Asks for a link for `email` (CSRF from the browser's own `/csrf`).
async fn request_link(b: &Browser, email: &str, callback_url: &str) -> Resp {
    let csrf = b.csrf().await;
    b.post_form(
        "/auth/signin/email",
        &[
            ("csrfToken", &csrf),
            ("email", email),
            ("callbackUrl", callback_url),
        ],
    )
    .await
}

/// The path and query of a link to this server.
fn path_of(server: &Server, link: &str) -> String {
    link.strip_prefix(&server.base)
        .unwrap_or_else(|| panic!("{link} is not on {}", server.base))
        .to_owned()
}

fn query_param(link: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(link).expect("link is a URL");
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What the store keeps for a link token.
fn stored_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.update(SECRET.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a link in `b` and presses the confirm page's button; returns the confirm
/// page and the answer to the button.
async fn confirm(server: &Server, b: &Browser, link: &str) -> (Resp, Resp) {
    let page = b.get_page(&path_of(server, link)).await;
    assert_eq!(page.status, 200, "confirm page: {}", page.body);
    let field = |name: &str| {
        hidden_input(&page.body, name).unwrap_or_else(|| panic!("hidden {name}: {}", page.body))
    };
    let form = [
        ("csrfToken", field("csrfToken")),
        ("callbackUrl", field("callbackUrl")),
        ("token", field("token")),
        ("email", field("email")),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = b.post_form("/auth/callback/email", &form).await;
    (page, answer)
}

fn verification_error(server: &Server) -> String {
    format!("{}/auth/error?error=Verification", server.base)
}

async fn link_signs_in_after_confirming(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let outbox = Outbox::new();
        let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| b).await;
        let tag = unique(s);
        let address = format!("new-{tag}@example.com");
        let b = server.browser();
        // Normalized: NFKC (the full-width Ｎ), trimmed, lowercased.
        let typed = format!("  Ｎew-{}@EXAMPLE.com ", tag.to_uppercase());
        let res = request_link(&b, &typed, "/dashboard").await;
        assert_eq!(
            res.location(),
            Some(
                format!(
                    "{}/auth/verify-request?provider=email&type=email",
                    server.base
                )
                .as_str()
            ),
            "{s}: {}",
            res.body
        );
        assert!(!res.sets(SESSION), "{s}");
        let sent = outbox.messages();
        assert_eq!(sent.len(), 1, "{s}");
        assert_eq!(sent[0]["to"], address.as_str(), "{s}");
        let expires = authgate_tests::iso_date(sent[0]["expires"].as_str().expect("expires"))
            .expect("ISO expiry");
        let in_a_day = authgate_tests::now() + 24 * 3600;
        assert!(
            (in_a_day - 5..=in_a_day + 5).contains(&expires),
            "{s}: 24 h"
        );
        let link = outbox.last_link();
        assert!(
            link.starts_with(&format!("{}/auth/callback/email?", server.base)),
            "{s}: {link}"
        );
        assert_eq!(
            query_param(&link, "email").as_deref(),
            Some(address.as_str())
        );
        assert_eq!(
            query_param(&link, "callbackUrl").as_deref(),
            Some(format!("{}/dashboard", server.base).as_str())
        );
        let token = query_param(&link, "token").expect("token");
        assert_eq!(token.len(), 64, "{s}");
        // The store keeps the hash (token + secret), never the token.
        assert!(
            adapter
                .find_verification_token(&address, &token)
                .await
                .expect("find")
                .is_none(),
            "{s}"
        );
        assert!(
            adapter
                .find_verification_token(&address, &stored_hash(&token))
                .await
                .expect("find")
                .is_some(),
            "{s}"
        );

        // A mail scanner fetches the link (no cookies): it sees the confirm page and
        // leaves the link working.
        let scanner = server.browser();
        for _ in 0..2 {
            let page = scanner.get(&path_of(&server, &link)).await;
            assert_eq!(page.status, 200, "{s}: {}", page.body);
            assert!(!page.sets(SESSION), "{s}");
        }
        // A fresh browser opens it and presses the button: signed in.
        let clicker = server.browser();
        let (page, res) = confirm(&server, &clicker, &link).await;
        assert!(page.body.contains(&address), "{s}");
        assert!(
            page.sets(authgate_tests::CSRF),
            "{s}: the page sets its own CSRF cookie"
        );
        assert_eq!(
            res.location(),
            Some(format!("{}/dashboard", server.base).as_str()),
            "{s}: {}",
            res.body
        );
        assert!(res.sets(SESSION), "{s}");
        let me = clicker.get("/api/me").await;
        assert_eq!(me.status, 200, "{s}: {}", me.body);
        assert_eq!(me.json()["user"]["email"], address.as_str(), "{s}");
        let stored = adapter
            .get_user_by_email(&address)
            .await
            .expect("by email")
            .expect("the user was created");
        assert_eq!(me.json()["user"]["id"], stored.id.as_str(), "{s}");
        assert!(stored.email_verified.is_some(), "{s}: verified");
        assert_eq!(
            adapter.list_sessions(&stored.id).await.expect("list").len(),
            1,
            "{s}"
        );

        // Single use: the button again, and the link again.
        let (_, again) = {
            let b2 = server.browser();
            let csrf = b2.csrf().await;
            let res = b2
                .post_form(
                    "/auth/callback/email",
                    &[("csrfToken", &csrf), ("token", &token), ("email", &address)],
                )
                .await;
            ((), res)
        };
        assert_eq!(
            again.location(),
            Some(verification_error(&server).as_str()),
            "{s}"
        );
        assert!(!again.sets(SESSION), "{s}");
        let reopened = server.browser().get(&path_of(&server, &link)).await;
        assert_eq!(
            reopened.location(),
            Some(verification_error(&server).as_str()),
            "{s}"
        );
        let _ = adapter.delete_user(&stored.id).await;
    }
}

async fn smtp_sender_talks_to_a_real_smtp_server(fw: Framework) {
    let sink = SmtpSink::start().await;
    let sender = SmtpSender::new(&sink.url(), "Demo <auth@demo.example>")
        .expect("sender")
        .timeout(Duration::from_secs(2));
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let server = spawn_email(fw, Arc::clone(&adapter), Email::new(sender), |b| b).await;
    let b = server.browser();
    let res = request_link(&b, "Carol@Example.com", "/").await;
    assert!(
        res.location()
            .is_some_and(|l| l.contains("/auth/verify-request")),
        "{:?} {}",
        res.location(),
        res.body
    );
    let messages = sink.wait_for(1).await;
    let msg = &messages[0];
    assert_eq!(msg.from, "auth@demo.example");
    assert_eq!(msg.to, vec!["carol@example.com".to_owned()]);
    let host = server.base.trim_start_matches("http://");
    assert_eq!(msg.header("subject"), Some(format!("Sign in to {host}")));
    assert!(msg.data.contains("text/html"), "an HTML part too");
    let link = msg.link().expect("a link in the text part");
    let (_, res) = confirm(&server, &server.browser(), &link).await;
    assert!(res.sets(SESSION), "{:?}", res.location());

    // A refused recipient: the user is told to try again, the link is not kept.
    sink.set_mode(SinkMode::Reject);
    let res = request_link(&b, "dave@example.com", "/").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin?error=Configuration", server.base).as_str())
    );
    // A server that never answers: the send times out (2 s), it does not hang.
    sink.set_mode(SinkMode::Stall);
    let started = std::time::Instant::now();
    let res = request_link(&b, "erin@example.com", "/").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin?error=Configuration", server.base).as_str())
    );
    assert_eq!(sink.messages().len(), 1);
}

async fn bad_links_fail_with_verification(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let clock = TestClock::default();
    let test_clock = clock.clock();
    let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), move |b| {
        b.clock(test_clock)
    })
    .await;
    let b = server.browser();
    request_link(&b, "frank@example.com", "/").await;
    let link = outbox.last_link();
    let token = query_param(&link, "token").expect("token");
    let path = path_of(&server, &link);
    let error = verification_error(&server);

    // Tampered token, another address, no address: Verification; no token:
    // Configuration (as Auth.js v5).
    let flipped = {
        let mut t = token.clone().into_bytes();
        t[10] = if t[10] == b'a' { b'b' } else { b'a' };
        String::from_utf8(t).expect("hex")
    };
    let tampered = path.replace(&token, &flipped);
    let other = path.replace("frank%40example.com", "grace%40example.com");
    assert_ne!(other, path, "the address is in the link");
    let no_email = path.replace("&email=frank%40example.com", "");
    for bad in [&tampered, &other, &no_email] {
        let res = server.browser().get(bad).await;
        assert_eq!(res.location(), Some(error.as_str()), "{bad}");
        assert!(!res.sets(SESSION));
    }
    let no_token = path.replace(&format!("&token={token}"), "");
    let res = server.browser().get(&no_token).await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );
    // The right link, posted without CSRF: MissingCSRF, and the link still works.
    let res = server
        .browser()
        .post_form(
            "/auth/callback/email",
            &[("token", token.as_str()), ("email", "frank@example.com")],
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin?error=MissingCSRF", server.base).as_str())
    );
    let page = server.browser().get(&path).await;
    assert_eq!(page.status, 200, "still valid: {}", page.body);
    // The verification page answers 403.
    let shown = server.browser().get("/auth/error?error=Verification").await;
    assert_eq!(shown.status, 403);

    // A day and a second later the link is dead, on the page and on the button.
    let b2 = server.browser();
    let page = b2.get(&path).await;
    let csrf = hidden_input(&page.body, "csrfToken").expect("csrf");
    clock.advance(24 * 3600 + 1);
    let res = server.browser().get(&path).await;
    assert_eq!(res.location(), Some(error.as_str()), "expired on GET");
    let res = b2
        .post_form(
            "/auth/callback/email",
            &[
                ("csrfToken", csrf.as_str()),
                ("token", token.as_str()),
                ("email", "frank@example.com"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some(error.as_str()), "expired on POST");
    assert!(!res.sets(SESSION));
    assert!(adapter
        .get_user_by_email("frank@example.com")
        .await
        .expect("by email")
        .is_none());
}

async fn nothing_is_sent_without_csrf_consent_or_a_valid_address(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| b).await;
    let b = server.browser();
    // No CSRF token.
    let res = b
        .post_form("/auth/signin/email", &[("email", "heidi@example.com")])
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin?error=MissingCSRF", server.base).as_str())
    );
    // `sign_in` denies @blocked.example before anything is sent.
    let res = request_link(&b, "eve@blocked.example", "/").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=AccessDenied", server.base).as_str())
    );
    // Invalid addresses: Configuration, as Auth.js v5.
    for bad in [
        "",
        "not-an-email",
        "a@b@example.com",
        "\"quoted\"@example.com",
        "@example.com",
        "ivan@",
        "ivan\u{7}@example.com",
        // A second address after a comma has a second `@`: refused, not split.
        "judy@example.com,mallory@attacker.example",
    ] {
        let res = request_link(&b, bad, "/").await;
        assert_eq!(
            res.location(),
            Some(format!("{}/auth/error?error=Configuration", server.base).as_str()),
            "{bad:?}"
        );
    }
    assert!(outbox.messages().is_empty(), "{:?}", outbox.messages());
    // Anything after a comma in the domain is dropped: one recipient only.
    request_link(&b, "judy@example.com,attacker.example", "/").await;
    let sent = outbox.messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["to"], "judy@example.com");
}

async fn one_click_links_sign_in_on_get(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let provider = outbox.provider().confirm_page(false);
    let server = spawn_email(fw, Arc::clone(&adapter), provider, |b| b).await;
    let b = server.browser();
    request_link(&b, "kim@example.com", "/dashboard").await;
    let link = outbox.last_link();
    let res = b.get(&path_of(&server, &link)).await;
    assert_eq!(
        res.location(),
        Some(format!("{}/dashboard", server.base).as_str()),
        "{}",
        res.body
    );
    assert!(res.sets(SESSION));
    let again = server.browser().get(&path_of(&server, &link)).await;
    assert_eq!(again.location(), Some(verification_error(&server).as_str()));
}

/// Counts the events the §5.4 rules fire.
#[derive(Clone, Default)]
struct Counts(Arc<[AtomicUsize; 3]>);

#[async_trait]
impl Events for Counts {
    async fn create_user(&self, _: CreateUserEvent) -> Result<(), Error> {
        self.0[0].fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn update_user(&self, _: UpdateUserEvent) -> Result<(), Error> {
        self.0[1].fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn sign_in(&self, _: SignInEvent) -> Result<(), Error> {
        self.0[2].fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Counts {
    fn get(&self) -> [usize; 3] {
        [0, 1, 2].map(|i| self.0[i].load(Ordering::SeqCst))
    }
}

async fn email_users_follow_the_linking_rules(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let outbox = Outbox::new();
        let counts = Counts::default();
        let events = counts.clone();
        let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), move |b| {
            b.events(events).pages(Pages {
                new_user: Some("/welcome".into()),
                ..Pages::default()
            })
        })
        .await;

        // A new address: a new user, sent to the new-user page.
        let tag = unique(s);
        let fresh = format!("fresh-{tag}@example.com");
        let b = server.browser();
        request_link(&b, &fresh, "/dashboard").await;
        let (_, res) = confirm(&server, &b, &outbox.last_link()).await;
        let welcome = format!(
            "{}/welcome?callbackUrl={}",
            server.base,
            authgate_tests::form_encode(&format!("{}/dashboard", server.base))
        );
        assert_eq!(res.location(), Some(welcome.as_str()), "{s}");
        assert_eq!(counts.get(), [1, 0, 1], "{s}: create_user, sign_in");

        // bob has a user (credentials created it); signed in as bob, an email sign-in
        // as alice (whose user exists) signs in as alice and ends bob's session here.
        let bob = server.browser();
        bob.sign_in("bob", "builder").await;
        let alice_browser = server.browser();
        alice_browser.sign_in("alice", "wonderland").await;
        let before = counts.get();
        assert_eq!(
            adapter.list_sessions("2").await.expect("list").len(),
            1,
            "{s}"
        );
        request_link(&bob, "Alice@Example.com", "/").await;
        let (_, res) = confirm(&server, &bob, &outbox.last_link()).await;
        assert!(res.sets(SESSION), "{s}: {:?}", res.location());
        let me = bob.get("/api/me").await.json();
        assert_eq!(me["user"]["id"], "1", "{s}: the existing user");
        assert_eq!(me["user"]["role"], "admin", "{s}");
        assert!(
            adapter.list_sessions("2").await.expect("list").is_empty(),
            "{s}: bob's session on this browser was deleted"
        );
        assert_eq!(
            counts.get(),
            [before[0], before[1] + 1, before[2] + 1],
            "{s}: update_user, no create_user"
        );
        let alice = adapter.get_user("1").await.expect("get").expect("alice");
        assert!(alice.email_verified.is_some(), "{s}");
        assert_eq!(
            adapter.list_sessions("1").await.expect("list").len(),
            2,
            "{s}: alice's other session is untouched"
        );

        // An OAuth account whose email belongs to the email user: refused unless the
        // provider allows dangerous linking; signed in as the email user, a provider
        // account with another address is linked to them.
        let idp = MockIdp::start().await;
        idp.set_user(IdpUser {
            sub: format!("sub-{tag}"),
            email: fresh.clone(),
            ..IdpUser::default()
        });
        let oidc = |idp: &MockIdp| {
            OAuth::oidc("oidc", "OpenID Connect", idp.issuer())
                .client_id(idp.client_id())
                .client_secret(idp.client_secret())
        };
        let strict = oidc(&idp);
        let oauth_server = spawn_email(
            fw,
            Arc::clone(&adapter),
            Email::new(DevSender::new()),
            move |b| b.provider(strict),
        )
        .await;
        let dance = oauth_sign_in(&oauth_server.browser(), "oidc", "/", "").await;
        assert_eq!(
            dance.callback().location(),
            Some(
                format!(
                    "{}/auth/signin?error=OAuthAccountNotLinked",
                    oauth_server.base
                )
                .as_str()
            ),
            "{s}"
        );
        let fresh_user = adapter
            .get_user_by_email(&fresh)
            .await
            .expect("by email")
            .expect("fresh user");
        idp.set_user(IdpUser {
            sub: format!("other-sub-{tag}"),
            email: format!("elsewhere-{tag}@idp.example"),
            ..IdpUser::default()
        });
        let outbox2 = Outbox::new();
        let plain = oidc(&idp);
        let linking_server = spawn_email(fw, Arc::clone(&adapter), outbox2.provider(), move |b| {
            b.provider(plain)
        })
        .await;
        let lb = linking_server.browser();
        request_link(&lb, &fresh, "/").await;
        confirm(&linking_server, &lb, &outbox2.last_link()).await;
        let dance = oauth_sign_in(&lb, "oidc", "/", "").await;
        assert!(
            dance.callback().sets(SESSION) || dance.callback().location().is_some(),
            "{s}"
        );
        let owner = adapter
            .get_user_by_account("oidc", &format!("other-sub-{tag}"))
            .await
            .expect("by account")
            .map(|u| u.id);
        assert_eq!(
            owner,
            Some(fresh_user.id.clone()),
            "{s}: linked to the email user"
        );

        for id in [fresh_user.id.as_str(), "1", "2"] {
            let _ = adapter.delete_user(id).await;
        }
    }
}

async fn an_existing_user_without_sessions_signs_in_by_email(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let made = adapter
        .create_user(NewUser {
            email: Some("leo@example.com".into()),
            name: Some("Leo".into()),
            ..NewUser::default()
        })
        .await
        .expect("create");
    let outbox = Outbox::new();
    let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| b).await;
    let b = server.browser();
    request_link(&b, "LEO@example.com", "/").await;
    let (_, res) = confirm(&server, &b, &outbox.last_link()).await;
    assert_eq!(res.location(), Some(format!("{}/", server.base).as_str()));
    let session = b.session().await;
    assert_eq!(session["user"]["name"], "Leo");
    assert_eq!(session["user"]["id"], made.id.as_str());
}

/// What `sign_in` saw, in order: `Some(verification_request)` or `None`.
type Seen = Arc<std::sync::Mutex<Vec<Option<bool>>>>;

async fn sign_in_runs_twice_and_can_redirect_before_sending(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let server = spawn_email(fw, adapter, outbox.provider(), move |b| {
        b.on_sign_in(move |ctx| {
            let record = Arc::clone(&record);
            async move {
                let flag = ctx.email.map(|e| e.verification_request);
                record.lock().expect("lock").push(flag);
                if ctx.user.email.as_deref() == Some("redirected@example.com") {
                    return Ok(authgate::SignInDecision::Redirect("/unauthorized".into()));
                }
                Ok(authgate::SignInDecision::Allow)
            }
        })
    })
    .await;
    let b = server.browser();
    request_link(&b, "olivia@example.com", "/").await;
    let (_, res) = confirm(&server, &b, &outbox.last_link()).await;
    assert!(res.sets(SESSION));
    assert_eq!(*seen.lock().expect("lock"), [Some(true), None]);
    // A redirect from `sign_in` at the request: nothing sent, the user goes there.
    let res = request_link(&server.browser(), "redirected@example.com", "/").await;
    assert_eq!(
        res.location(),
        Some(format!("{}/unauthorized", server.base).as_str())
    );
    assert_eq!(outbox.messages().len(), 1);
}

async fn links_never_redirect_off_site(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let server = spawn_email(fw, adapter, outbox.provider(), |b| b).await;
    // An off-site callbackUrl at the request: the link carries the origin.
    request_link(
        &server.browser(),
        "pat@example.com",
        "https://evil.example/x",
    )
    .await;
    let link = outbox.last_link();
    assert_eq!(
        query_param(&link, "callbackUrl").as_deref(),
        Some(server.base.as_str())
    );
    // A callbackUrl tampered into the link, and one that tries to break out of the
    // confirm page's attribute: the page keeps them harmless.
    let tampered = path_of(&server, &link).replace(
        &format!("callbackUrl={}", authgate_tests::form_encode(&server.base)),
        &format!(
            "callbackUrl={}",
            authgate_tests::form_encode("/\"><script>alert(1)</script>")
        ),
    );
    assert!(tampered.contains("script"), "{tampered}");
    let b = server.browser();
    let page = b.get_page(&tampered).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page
        .header("cache-control")
        .is_some_and(|v| v.contains("no-store")));
    // The button with an off-site callbackUrl: signed in, sent to the origin.
    let csrf = hidden_input(&page.body, "csrfToken").expect("csrf");
    let token = query_param(&link, "token").expect("token");
    let res = b
        .post_form(
            "/auth/callback/email",
            &[
                ("csrfToken", csrf.as_str()),
                ("token", token.as_str()),
                ("email", "pat@example.com"),
                ("callbackUrl", "https://evil.example/steal"),
            ],
        )
        .await;
    assert!(res.sets(SESSION));
    assert_eq!(res.location(), Some(server.base.as_str()));
}

async fn custom_max_age_and_a_secret_rotation(fw: Framework) {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let clock = TestClock::default();
    let test_clock = clock.clock();
    let provider = outbox.provider().max_age(Duration::from_secs(3600));
    let server = spawn_email(fw, Arc::clone(&adapter), provider, move |b| {
        b.clock(test_clock)
    })
    .await;
    request_link(&server.browser(), "quinn@example.com", "/").await;
    let sent = outbox.messages();
    let expires =
        authgate_tests::iso_date(sent[0]["expires"].as_str().expect("expires")).expect("iso");
    let in_an_hour = authgate_tests::now() + 3600;
    assert!((in_an_hour - 5..=in_an_hour + 5).contains(&expires));
    clock.advance(3601);
    let res = server
        .browser()
        .get(&path_of(&server, &outbox.last_link()))
        .await;
    assert_eq!(res.location(), Some(verification_error(&server).as_str()));

    // A link sent before the secret changed still works after it (old secret kept).
    let outbox = Outbox::new();
    let before = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| b).await;
    request_link(&before.browser(), "rita@example.com", "/").await;
    let link = outbox.last_link();
    let after = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| {
        b.secrets(["a-brand-new-secret-after-rotation-0123456789", SECRET])
    })
    .await;
    let rebased = link.replace(&before.base, &after.base);
    let (_, res) = confirm(&after, &after.browser(), &rebased).await;
    assert!(res.sets(SESSION), "{:?}", res.location());
}

async fn one_link_signs_in_once_under_concurrency(fw: Framework) {
    for store in stores().await {
        let s = store.name;
        let adapter = Arc::clone(&store.adapter);
        let outbox = Outbox::new();
        let server = spawn_email(fw, Arc::clone(&adapter), outbox.provider(), |b| b).await;
        let address = format!("{}@example.com", unique("race"));
        request_link(&server.browser(), &address, "/").await;
        let token = query_param(&outbox.last_link(), "token").expect("token");
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let b = server.browser();
            let (token, address) = (token.clone(), address.clone());
            tasks.push(tokio::spawn(async move {
                let csrf = b.csrf().await;
                b.post_form(
                    "/auth/callback/email",
                    &[
                        ("csrfToken", csrf.as_str()),
                        ("token", &token),
                        ("email", &address),
                    ],
                )
                .await
                .sets(SESSION)
            }));
        }
        let mut signed_in = 0;
        for t in tasks {
            signed_in += usize::from(t.await.expect("task"));
        }
        assert_eq!(signed_in, 1, "{s}");
        if let Ok(Some(user)) = adapter.get_user_by_email(&address).await {
            let _ = adapter.delete_user(&user.id).await;
        }
    }
}

#[tokio::test]
async fn email_settings_are_checked_at_build() {
    let base = || {
        authgate::AuthConfig::builder()
            .secret(SECRET)
            .adapter(MemoryAdapter::new())
    };
    // No canonical URL: a link would be built from the Host header.
    let err = base()
        .trust_host(true)
        .provider(Email::new(DevSender::new()))
        .build()
        .expect_err("no canonical URL");
    assert!(err.to_string().contains("canonical URL"), "{err}");
    let err = base()
        .url("http://localhost:3000")
        .provider(Email::new(DevSender::new()).max_age(Duration::ZERO))
        .build()
        .expect_err("zero max age");
    assert!(err.to_string().contains("max_age"), "{err}");
    let err = authgate::AuthConfig::builder()
        .secret(SECRET)
        .url("http://localhost:3000")
        .provider(Email::new(DevSender::new()))
        .build()
        .expect_err("no adapter");
    assert!(err.to_string().contains("MissingAdapter"), "{err}");
}

suite!(
    sign_in_runs_twice_and_can_redirect_before_sending,
    links_never_redirect_off_site,
    custom_max_age_and_a_secret_rotation,
    one_link_signs_in_once_under_concurrency,
    link_signs_in_after_confirming,
    smtp_sender_talks_to_a_real_smtp_server,
    bad_links_fail_with_verification,
    nothing_is_sent_without_csrf_consent_or_a_valid_address,
    one_click_links_sign_in_on_get,
    email_users_follow_the_linking_rules,
    an_existing_user_without_sessions_signs_in_by_email,
);
