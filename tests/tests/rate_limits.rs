//! Rate limits on both frameworks: the demo's email limits (per address, per client
//! IP), credentials limits (per identifier, per IP), trusted proxies, the JSON answer,
//! windows that end (a clock the test controls; Redis's own TTL), and a Redis store
//! that two app instances share.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use authgate::{
    adapter::{Adapter, MemoryAdapter},
    rate_limit::{MemoryRateLimitStore, RateLimitStore, RateLimits, TrustedProxies},
    AuthConfig, Clock,
};
use authgate_tests::{
    spawn_custom, spawn_email, suite, Browser, Framework, Outbox, Resp, Server, SESSION,
};
use reqwest::Method;

fn unique(tag: &str) -> String {
    format!("{tag}-{:016x}", rand::random::<u64>())
}

/// Sign-in emails sent so far.
fn count(outbox: &Outbox) -> usize {
    outbox.messages().len()
}

async fn request_link(b: &Browser, email: &str, forwarded_for: Option<&str>) -> Resp {
    let csrf = b.csrf().await;
    let mut req = b
        .request(Method::POST, "/auth/signin/email")
        .form(&[("csrfToken", csrf.as_str()), ("email", email)]);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    b.send(req).await
}

fn limited(server: &Server) -> String {
    format!("{}/auth/error?error=RateLimited", server.base)
}

fn sent(server: &Server, res: &Resp) -> bool {
    res.location()
        == Some(
            format!(
                "{}/auth/verify-request?provider=email&type=email",
                server.base
            )
            .as_str(),
        )
}

async fn demo_limits_emails_per_address(fw: Framework) {
    let offset = Arc::new(AtomicI64::new(0));
    let clock = {
        let offset = Arc::clone(&offset);
        Clock::from_fn(move || {
            time::OffsetDateTime::now_utc() + time::Duration::seconds(offset.load(Ordering::SeqCst))
        })
    };
    let outbox = Outbox::new();
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let server = spawn_email(fw, adapter, outbox.provider(), move |b| b.clock(clock)).await;
    let b = server.browser();
    for _ in 0..3 {
        let res = request_link(&b, "mia@example.com", None).await;
        assert!(sent(&server, &res), "{:?}", res.location());
    }
    // The fourth (the same address, however it is typed) does nothing.
    let res = request_link(&b, " MIA@example.com", None).await;
    assert_eq!(res.location(), Some(limited(&server).as_str()));
    let retry: u64 = res
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("secs");
    assert!((590..=600).contains(&retry), "{retry}");
    assert_eq!(count(&outbox), 3);
    // The error page says so, with 429.
    let page = b.get("/auth/error?error=RateLimited").await;
    assert_eq!(page.status, 429);
    assert!(
        page.body.contains("Too many sign-in attempts"),
        "{}",
        page.body
    );
    // JSON clients get 429 JSON.
    let csrf = b.csrf().await;
    let res = b
        .send(
            b.request(Method::POST, "/auth/signin/email")
                .header("x-auth-return-redirect", "1")
                .form(&[("csrfToken", csrf.as_str()), ("email", "mia@example.com")]),
        )
        .await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(res.json()["error"], "RateLimited");
    assert_eq!(res.json()["url"], limited(&server).as_str());
    // Another address is not limited.
    assert!(sent(
        &server,
        &request_link(&b, "noah@example.com", None).await
    ));
    // Ten minutes later the window has ended.
    offset.fetch_add(601, Ordering::SeqCst);
    assert!(sent(
        &server,
        &request_link(&b, "mia@example.com", None).await
    ));
    assert_eq!(count(&outbox), 5);
}

async fn per_ip_limits_use_the_peer_address_and_trusted_proxies_only(fw: Framework) {
    // No trusted proxy: X-Forwarded-For is ignored, every request is 127.0.0.1's.
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let limits =
        RateLimits::new(MemoryRateLimitStore::new()).email_per_ip(2, Duration::from_secs(60));
    let server = spawn_email(fw, adapter, outbox.provider(), move |b| {
        b.rate_limits(limits)
    })
    .await;
    let b = server.browser();
    assert!(sent(
        &server,
        &request_link(&b, "a1@example.com", Some("198.51.100.1")).await
    ));
    assert!(sent(
        &server,
        &request_link(&b, "a2@example.com", Some("198.51.100.2")).await
    ));
    let res = request_link(&b, "a3@example.com", Some("198.51.100.3")).await;
    assert_eq!(
        res.location(),
        Some(limited(&server).as_str()),
        "the peer is counted"
    );
    assert_eq!(count(&outbox), 2);

    // Loopback trusted as a proxy: the forwarded client is counted.
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let limits = RateLimits::new(MemoryRateLimitStore::new())
        .email_per_ip(1, Duration::from_secs(60))
        .trusted_proxies(TrustedProxies::new(["127.0.0.1", "::1"]).expect("proxies"));
    let server = spawn_email(fw, adapter, outbox.provider(), move |b| {
        b.rate_limits(limits)
    })
    .await;
    let b = server.browser();
    assert!(sent(
        &server,
        &request_link(&b, "b1@example.com", Some("198.51.100.1")).await
    ));
    assert!(sent(
        &server,
        &request_link(&b, "b2@example.com", Some("198.51.100.2")).await
    ));
    // A client cannot escape by prepending addresses: the rightmost untrusted hop counts.
    let res = request_link(&b, "b3@example.com", Some("203.0.113.50, 198.51.100.1")).await;
    assert_eq!(res.location(), Some(limited(&server).as_str()));
    assert_eq!(count(&outbox), 2);
}

async fn credentials_limits_run_before_authorize(fw: Framework) {
    let limits = RateLimits::new(MemoryRateLimitStore::new())
        .credentials_per_identifier("username", 2, Duration::from_secs(60))
        .credentials_per_ip(5, Duration::from_secs(60));
    let server = spawn_custom(fw, move |url| {
        authgate_demo::configure(
            AuthConfig::builder()
                .secret(authgate_tests::SECRET)
                .url(url),
        )
        .rate_limits(limits)
    })
    .await;
    let b = server.browser();
    let first = b.sign_in("alice", "wrong").await;
    assert!(
        first
            .location()
            .is_some_and(|l| l.contains("error=CredentialsSignin")),
        "{:?}",
        first.location()
    );
    b.sign_in("ALICE", "wrong").await;
    // Third try for alice (any case): refused before authorize, even with the right
    // password.
    let res = b.sign_in("alice", "wonderland").await;
    assert_eq!(res.location(), Some(limited(&server).as_str()));
    assert!(!res.sets(SESSION));
    // bob is another identifier.
    let res = b.sign_in("bob", "builder").await;
    assert!(res.sets(SESSION), "{:?}", res.location());
    // Five attempts from this IP so far; the sixth is over the per-IP limit.
    b.sign_in("carol", "x").await;
    let res = b.sign_in("dave", "x").await;
    assert_eq!(res.location(), Some(limited(&server).as_str()), "per IP");
}

async fn redis_limits_are_shared_between_instances(fw: Framework) {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("skipped: Redis (REDIS_URL not set)");
        return;
    };
    let redis = match authgate::redis::RedisAdapter::connect(&url).await {
        Ok(r) => r.with_prefix(format!("{}:", unique("authgate-rl"))),
        Err(err) => {
            eprintln!("skipped: Redis at REDIS_URL: {err}");
            return;
        }
    };
    let store: Arc<dyn RateLimitStore> = Arc::new(redis.rate_limit_store());
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let outbox = Outbox::new();
    let spawn = |window: Duration| {
        let limits = RateLimits::with_store(Arc::clone(&store)).email_per_address(3, window);
        spawn_email(fw, Arc::clone(&adapter), outbox.provider(), move |b| {
            b.rate_limits(limits)
        })
    };
    // Two app instances, one store.
    let a = spawn(Duration::from_secs(600)).await;
    let b = spawn(Duration::from_secs(600)).await;
    let (ba, bb) = (a.browser(), b.browser());
    assert!(sent(&a, &request_link(&ba, "olga@example.com", None).await));
    assert!(sent(&b, &request_link(&bb, "olga@example.com", None).await));
    assert!(sent(&a, &request_link(&ba, "olga@example.com", None).await));
    let res = request_link(&bb, "olga@example.com", None).await;
    assert_eq!(
        res.location(),
        Some(limited(&b).as_str()),
        "counted across instances"
    );
    let res = request_link(&ba, "olga@example.com", None).await;
    assert_eq!(res.location(), Some(limited(&a).as_str()));
    assert_eq!(count(&outbox), 3);

    // Redis ends the window by itself.
    let short = spawn(Duration::from_millis(700)).await;
    let bs = short.browser();
    for _ in 0..3 {
        assert!(sent(
            &short,
            &request_link(&bs, "pia@example.com", None).await
        ));
    }
    assert_eq!(
        request_link(&bs, "pia@example.com", None).await.location(),
        Some(limited(&short).as_str())
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(sent(
        &short,
        &request_link(&bs, "pia@example.com", None).await
    ));
}

async fn authorize_sees_the_client_ip(fw: Framework) {
    let seen: Arc<std::sync::Mutex<Vec<Option<std::net::IpAddr>>>> = Arc::default();
    let record = Arc::clone(&seen);
    let server = spawn_custom(fw, move |url| {
        AuthConfig::builder()
            .secret(authgate_tests::SECRET)
            .url(url)
            .provider(authgate::Credentials::new(move |_, req| {
                record.lock().expect("lock").push(req.client_ip);
                async { Ok(None) }
            }))
    })
    .await;
    server.browser().sign_in("x", "y").await;
    let loopback: std::net::IpAddr = [127, 0, 0, 1].into();
    assert_eq!(*seen.lock().expect("lock"), [Some(loopback)]);
}

suite!(
    authorize_sees_the_client_ip,
    demo_limits_emails_per_address,
    per_ip_limits_use_the_peer_address_and_trusted_proxies_only,
    credentials_limits_run_before_authorize,
    redis_limits_are_shared_between_instances,
);
