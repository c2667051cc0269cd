//! Hardening finding 1 (memory): a signed-in user with a large session who reads
//! `/auth/session` in a loop mints a new token per read; the verified-token cache holds
//! them by bytes, so the process grows by no more than its budget. Alone in its binary
//! (one test), so no other test's allocations blur the figure.

use authgate::AuthConfig;
use authgate_tests::{spawn_custom, Framework, Server, SECRET};
use serde_json::json;

/// The resident set of this process, in bytes (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

const BUDGET: usize = 8 * 1024 * 1024;

async fn reads(server: &Server, n: usize) {
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let csrf = b.csrf().await;
    // About a 12.5 kB token: under the cap, and every read mints a new one.
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "a".repeat(9_000)}}),
        )
        .await;
    assert_eq!(res.status, 200);
    for _ in 0..n {
        let res = b.get("/auth/session").await;
        assert_eq!(res.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_sessions_read_in_a_loop_stay_within_the_cache_budget() {
    if rss().is_none() {
        eprintln!("skipped: no /proc/self/statm on this system");
        return;
    }
    for fw in Framework::ALL {
        let server = spawn_custom(fw, |url| {
            authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url))
                .token_cache_bytes(BUDGET)
        })
        .await;
        // Warm up: the allocator's arenas, the HTTP clients, the cache filling up.
        reads(&server, 300).await;
        let before = rss().expect("rss");
        reads(&server, 1_500).await;
        let after = rss().expect("rss");
        let grown = after.saturating_sub(before);
        eprintln!(
            "{fw:?}: RSS {before} -> {after} (+{grown} bytes), cache {} bytes",
            server.auth.token_cache_bytes()
        );
        assert!(server.auth.token_cache_bytes() <= BUDGET as u64);
        assert!(
            grown <= BUDGET as u64,
            "{fw:?}: grew by {grown} bytes over 1,500 reads (budget {BUDGET})"
        );
    }
}
