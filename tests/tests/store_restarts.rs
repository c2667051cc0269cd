//! A database that goes away under the demo and comes back (issue #14), on both
//! frameworks: PostgreSQL's connections terminated (a restart or failover), and the Redis
//! server shut down (`SHUTDOWN NOSAVE`) and started again with the machine's command.
//! While the store is away, signed-in requests answer 503 and keep the cookie (nobody is
//! signed out by an outage); once it is back, requests succeed again without restarting
//! the app.
//!
//! Its own test binary: the Redis restart wipes that server for everyone, and cargo runs
//! test binaries one after another. Skipped (with the reason printed) without
//! `DATABASE_URL` / `REDIS_URL`, or when the Redis server is not a local one this test can
//! start again. Uses the machine's `psql`, `redis-cli` and `redis-server`.

use std::time::{Duration, Instant};

use authgate_test_support::{restartable_redis, start_redis, stop_redis};
use authgate_tests::{get_with, spawn_database, Framework, Resp, SESSION};

/// Asks `/api/me` with `cookie` until the answer is not a 503 (the store is back),
/// checking that every 503 kept the cookie; the first other answer.
async fn until_available(base: &str, cookie: &str) -> Resp {
    let start = Instant::now();
    loop {
        let res = get_with(base, "/api/me", Some(cookie), None).await;
        if res.status != 503 {
            return res;
        }
        assert!(
            res.set_cookie(SESSION).is_none(),
            "an outage never clears the cookie"
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the store did not come back in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn postgres_connections_terminated(fw: Framework, url: &str) {
    let name = format!("authgate-e2e-restart-{:016x}", rand::random::<u64>());
    let sep = if url.contains('?') { '&' } else { '?' };
    let adapter = authgate_demo::connect_store(&format!("{url}{sep}application_name={name}"))
        .await
        .expect("PostgreSQL");
    for id in ["1", "2", "3", "4"] {
        let _ = adapter.delete_user(id).await;
    }
    let server = spawn_database(fw, adapter, |b| b).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let cookie = b.cookie_pair(SESSION).expect("a session");
    assert_eq!(b.get("/api/me").await.json()["user"]["id"], "1");

    // `psql` (the machine's client) terminates the demo's connections, found by name.
    let out = std::process::Command::new("psql")
        .args([url, "-tAc"])
        .arg(format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = '{name}' AND pid <> pg_backend_pid()"
        ))
        .output()
        .expect("psql");
    let terminated = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        out.status.success() && terminated.parse::<u32>().is_ok_and(|n| n > 0),
        "the demo's connections were terminated: {terminated:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let res = until_available(&server.base, &cookie).await;
    assert_eq!(
        (res.status, &res.json()["user"]["id"]),
        (200, &"1".into()),
        "{fw:?}"
    );
    let _ = server;
}

async fn redis_restarted(fw: Framework, url: &str) {
    let adapter = authgate_demo::connect_store(url).await.expect("Redis");
    let server = spawn_database(fw, adapter, |b| b).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let cookie = b.cookie_pair(SESSION).expect("a session");
    assert_eq!(b.get("/api/me").await.status, 200);

    stop_redis(url);
    let res = get_with(&server.base, "/api/me", Some(&cookie), None).await;
    assert_eq!(res.status, 503, "{fw:?}: {}", res.body);
    assert!(res.set_cookie(SESSION).is_none(), "the cookie is kept");
    start_redis();

    // Redis kept nothing: the session went with the restart (a 401 that clears the
    // cookie), and signing in works again, with the app never restarted.
    let res = until_available(&server.base, &cookie).await;
    assert_eq!(res.status, 401, "{fw:?}: {}", res.body);
    let again = server.browser();
    again.sign_in("alice", "wonderland").await;
    assert_eq!(again.get("/api/me").await.json()["user"]["id"], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_connections_terminated_under_the_demo() {
    let Some(url) = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("skipped: DATABASE_URL is not a PostgreSQL URL");
        return;
    };
    let psql = std::process::Command::new("psql").arg("--version").output();
    if !psql.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: psql is not installed");
        return;
    }
    for fw in [Framework::Axum, Framework::Actix] {
        postgres_connections_terminated(fw, &url).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_restarted_under_the_demo() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("skipped: REDIS_URL is not set");
        return;
    };
    if let Err(why) = restartable_redis(&url) {
        eprintln!("skipped: {why}");
        return;
    }
    for fw in [Framework::Axum, Framework::Actix] {
        redis_restarted(fw, &url).await;
    }
}
