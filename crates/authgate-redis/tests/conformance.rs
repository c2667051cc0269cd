//! The Redis adapter passes authgate's adapter conformance suite, against the server at
//! `REDIS_URL` (skipped, with the reason printed, when it is unset or unreachable). Each
//! check runs under its own random key prefix, deleted afterwards.

mod common;

use std::sync::Arc;

use authgate_core::adapter::testing;
use common::with_redis;

/// One test per check, like `authgate_core::adapter_conformance!`, which has no way to
/// skip a test when there is no server.
macro_rules! conformance {
    ($($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                run(stringify!($check)).await;
            }
        )*

        /// The checks run here.
        const RUN: &[&str] = &[$(stringify!($check)),*];
    };
}

conformance!(
    users,
    accounts,
    sessions,
    verification_tokens,
    cascade,
    concurrency
);

async fn run(check: &'static str) {
    with_redis(|redis| async move {
        testing::run(check, Arc::new(redis.adapter().await)).await;
    })
    .await;
}

#[test]
fn every_check_of_the_suite_runs() {
    assert_eq!(RUN, testing::CHECKS);
}
