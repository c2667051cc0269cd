//! Gathered reads: sharing, answers per token, hand-over when a leader is cancelled or
//! panics, the stall bypass, and adapters that do not gather.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use super::*;
use crate::adapter::{
    AdapterAccount, MemoryAdapter, NewUser, SessionRead, UserUpdate, VerificationToken,
};

/// The memory adapter, with session reads that wait for a permit (the test lets them
/// through), are counted, and can panic.
struct Gated {
    inner: MemoryAdapter,
    gate: Semaphore,
    calls: AtomicUsize,
    read: AtomicUsize,
    gathers: bool,
    panic_once: AtomicBool,
}

impl Gated {
    fn new(gathers: bool) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryAdapter::new(),
            gate: Semaphore::new(0),
            calls: AtomicUsize::new(0),
            read: AtomicUsize::new(0),
            gathers,
            panic_once: AtomicBool::new(false),
        })
    }

    async fn pass(&self, tokens: usize) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.read.fetch_add(tokens, Ordering::SeqCst);
        let permit = self.gate.acquire().await.expect("gate");
        permit.forget();
        assert!(
            !self.panic_once.swap(false, Ordering::SeqCst),
            "the store call panicked"
        );
    }
}

#[async_trait]
impl Adapter for Gated {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        self.inner.create_user(user).await
    }
    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        self.inner.create_user_with_account(user, account).await
    }
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        self.inner
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        self.inner.update_user(id, update).await
    }
    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        self.inner.delete_user(id).await
    }
    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        self.inner.link_account(account).await
    }
    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        self.inner.update_account(account).await
    }
    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        self.inner.list_accounts(user_id).await
    }
    async fn unlink_account(&self, provider: &str, id: &str) -> Result<(), AdapterError> {
        self.inner.unlink_account(provider, id).await
    }
    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        self.inner.create_session(session).await
    }
    async fn get_session_and_user(&self, token: &str) -> Result<Found, AdapterError> {
        self.pass(1).await;
        self.inner.get_session_and_user(token).await
    }
    fn gathers_session_reads(&self) -> bool {
        self.gathers
    }
    async fn get_sessions_and_users(
        &self,
        tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        self.pass(tokens.len()).await;
        let mut found = Vec::new();
        for token in tokens {
            // A record that cannot be read: this token's read fails, not the batch.
            if token.starts_with("bad") {
                found.push(Err(AdapterError::backend("unreadable session record")));
                continue;
            }
            found.push(self.inner.get_session_and_user(token).await);
        }
        Ok(found)
    }
    async fn update_session(
        &self,
        token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        self.inner.update_session(token, expires).await
    }
    async fn delete_session(&self, token: &str) -> Result<Option<AdapterSession>, AdapterError> {
        self.inner.delete_session(token).await
    }
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        self.inner.list_sessions(user_id).await
    }
    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        self.inner.delete_sessions(user_id, keep).await
    }
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        self.inner.create_verification_token(token).await
    }
    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        self.inner.find_verification_token(identifier, token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        self.inner.use_verification_token(identifier, token).await
    }
}

/// `n` users with one session each; their tokens.
async fn sessions(adapter: &Gated, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        let user = adapter
            .create_user(NewUser {
                id: Some(format!("u{i}")),
                ..NewUser::default()
            })
            .await
            .expect("user");
        let token = format!("t{i}");
        adapter
            .create_session(AdapterSession {
                session_token: token.clone(),
                user_id: user.id,
                expires: OffsetDateTime::now_utc() + time::Duration::hours(1),
            })
            .await
            .expect("session");
        tokens.push(token);
    }
    tokens
}

type Reads = tokio::task::JoinSet<(String, Result<Found, AdapterError>)>;

/// Starts a read of each token, one after another (so the first leads).
async fn start(reads: &Arc<SessionReads>, adapter: &Arc<Gated>, tokens: &[String]) -> Reads {
    start_on(reads, Arc::clone(adapter) as Arc<dyn Adapter>, tokens).await
}

/// [`start`] on any adapter (one wrapped with a time limit, say).
async fn start_on(
    reads: &Arc<SessionReads>,
    adapter: Arc<dyn Adapter>,
    tokens: &[String],
) -> Reads {
    let mut set = Reads::new();
    for token in tokens {
        let (reads, adapter, token) = (Arc::clone(reads), Arc::clone(&adapter), token.clone());
        set.spawn(async move {
            let found = reads.get(&adapter, &token).await;
            (token, found)
        });
        // Let it reach the store or the queue before the next one.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    set
}

/// Every read is answered with its own session.
async fn all_answered(mut set: Reads) -> usize {
    let mut n = 0;
    let within = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(done) = set.join_next().await {
            let (token, found) = done.expect("no read panicked");
            let (session, user) = found.expect("read").expect("found");
            assert_eq!(session.session_token, token);
            assert_eq!(user.id, format!("u{}", &token[1..]));
            n += 1;
        }
    })
    .await;
    assert!(within.is_ok(), "a read hung");
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_in_flight_gather_the_next_ones() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 10).await;
    let reads = Arc::new(SessionReads::default());
    let set = start(&reads, &adapter, &tokens).await;
    adapter.gate.add_permits(100);
    assert_eq!(all_answered(set).await, 10);
    assert_eq!(
        adapter.calls.load(Ordering::SeqCst),
        2,
        "one alone, nine together"
    );
    assert_eq!(adapter.read.load(Ordering::SeqCst), 10);
    assert!(lock(&reads.queue).busy_since.is_none(), "idle again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_in_a_batch_fails_only_its_own_reader() {
    let adapter = Gated::new(true);
    let mut tokens = sessions(&adapter, 4).await;
    tokens.insert(2, "bad-1".to_owned());
    tokens.push("bad-2".to_owned());
    let reads = Arc::new(SessionReads::default());
    let mut set = start(&reads, &adapter, &tokens).await;
    adapter.gate.add_permits(100);
    let mut answered = 0;
    while let Some(done) = set.join_next().await {
        let (token, found) = done.expect("no read panicked");
        if token.starts_with("bad") {
            assert!(found.is_err(), "{token}: {found:?}");
        } else {
            let (session, _) = found.expect("read").expect("found");
            assert_eq!(session.session_token, token);
        }
        answered += 1;
    }
    assert_eq!(answered, 6);
    assert_eq!(adapter.calls.load(Ordering::SeqCst), 2, "still gathered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_leader_hands_over() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 6).await;
    let reads = Arc::new(SessionReads::default());
    let mut set = start(&reads, &adapter, &tokens[..1]).await;
    let rest = start(&reads, &adapter, &tokens[1..]).await;
    // The leader's request goes away while its read is in flight.
    set.abort_all();
    while set.join_next().await.is_some() {}
    adapter.gate.add_permits(100);
    assert_eq!(all_answered(rest).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_batch_goes_back_to_the_queue() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 6).await;
    let reads = Arc::new(SessionReads::default());
    let first = start(&reads, &adapter, &tokens[..1]).await;
    let mut second = start(&reads, &adapter, &tokens[1..2]).await;
    let rest = start(&reads, &adapter, &tokens[2..]).await;
    // The first read ends: the second leads a batch of all five, and is cancelled.
    adapter.gate.add_permits(1);
    assert_eq!(all_answered(first).await, 1);
    while adapter.calls.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    second.abort_all();
    while second.join_next().await.is_some() {}
    adapter.gate.add_permits(100);
    assert_eq!(all_answered(rest).await, 4, "taken reads are read again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_store_call_hangs_no_one() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 5).await;
    let reads = Arc::new(SessionReads::default());
    adapter.panic_once.store(true, Ordering::SeqCst);
    let mut first = start(&reads, &adapter, &tokens[..1]).await;
    let rest = start(&reads, &adapter, &tokens[1..]).await;
    adapter.gate.add_permits(100);
    let done = tokio::time::timeout(Duration::from_secs(10), first.join_next())
        .await
        .expect("answered")
        .expect("a task");
    assert!(done.expect_err("its read panicked").is_panic());
    assert_eq!(all_answered(rest).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_read_does_not_hold_new_ones() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 2).await;
    let reads = Arc::new(SessionReads::default());
    let stalled = start(&reads, &adapter, &tokens[..1]).await;
    tokio::time::sleep(STALLED + Duration::from_millis(50)).await;
    let fresh = start(&reads, &adapter, &tokens[1..]).await;
    // The new read is at the store itself (a second call), not queued behind the first.
    let within = tokio::time::timeout(Duration::from_secs(5), async {
        while adapter.calls.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(within.is_ok(), "the new read waited for the stalled one");
    assert!(lock(&reads.queue).waiting.is_empty());
    adapter.gate.add_permits(2);
    assert_eq!(all_answered(fresh).await, 1);
    assert_eq!(all_answered(stalled).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapters_that_do_not_gather_read_alone() {
    let adapter = Gated::new(false);
    let tokens = sessions(&adapter, 5).await;
    let reads = Arc::new(SessionReads::default());
    let set = start(&reads, &adapter, &tokens).await;
    adapter.gate.add_permits(100);
    assert_eq!(all_answered(set).await, 5);
    assert_eq!(adapter.calls.load(Ordering::SeqCst), 5);
}

/// A read with nothing in flight leads too: reads ready to run at the same moment join
/// its call (current-thread runtime, so the order is fixed: without the first read's
/// yield it would read alone and the other two would need a second call).
#[tokio::test(flavor = "current_thread")]
async fn reads_that_arrive_together_share_the_first_call() {
    let adapter = Gated::new(true);
    adapter.gate.add_permits(100);
    let tokens = sessions(&adapter, 3).await;
    let reads = Arc::new(SessionReads::default());
    let mut set = Reads::new();
    for token in &tokens {
        let (reads, token) = (Arc::clone(&reads), token.clone());
        let adapter: Arc<dyn Adapter> = adapter.clone();
        set.spawn(async move {
            let found = reads.get(&adapter, &token).await;
            (token, found)
        });
    }
    assert_eq!(all_answered(set).await, 3);
    assert_eq!(
        adapter.calls.load(Ordering::SeqCst),
        1,
        "one call for all three"
    );
    assert_eq!(adapter.read.load(Ordering::SeqCst), 3);
}

/// A read told to lead lets the reads that are ready to run join its batch: here one
/// whose request became ready just after the leader was told (current-thread runtime,
/// so the order is fixed: without the leader's yield it would read alone).
#[tokio::test(flavor = "current_thread")]
async fn a_new_leader_lets_ready_reads_join_its_batch() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 3).await;
    let reads = Arc::new(SessionReads::default());
    let ready = Arc::new(tokio::sync::Notify::new());
    let mut set = Reads::new();
    let read = |token: &String, before: Option<Arc<tokio::sync::Notify>>, after: bool| {
        let (reads, adapter, token) = (Arc::clone(&reads), Arc::clone(&adapter), token.clone());
        let ready = Arc::clone(&ready);
        async move {
            if let Some(before) = before {
                before.notified().await;
            }
            let adapter: Arc<dyn Adapter> = adapter;
            let found = reads.get(&adapter, &token).await;
            if after {
                // The third request becomes ready once the first is answered, after
                // the second was told to lead.
                ready.notify_one();
            }
            (token, found)
        }
    };
    set.spawn(read(&tokens[0], None, true));
    tokio::time::sleep(Duration::from_millis(5)).await;
    set.spawn(read(&tokens[1], None, false));
    set.spawn(read(&tokens[2], Some(Arc::clone(&ready)), false));
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        adapter.calls.load(Ordering::SeqCst),
        1,
        "the first is in flight"
    );
    adapter.gate.add_permits(100);
    assert_eq!(all_answered(set).await, 3);
    assert_eq!(
        adapter.calls.load(Ordering::SeqCst),
        2,
        "the first alone, the second and third together"
    );
}

/// A store call that does not answer is given up after the engine's store timeout
/// (the adapter wrapped in `Timed`), alone or for a batch: every read gets an error (no
/// read hangs), and the limit is on each call, so a leader that waited in the queue
/// still gives its batch the whole time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_call_that_does_not_answer_is_given_up() {
    let adapter = Gated::new(true);
    let tokens = sessions(&adapter, 5).await;
    let reads = Arc::new(SessionReads::default());
    let timed = crate::adapter::Timed::wrap(adapter.clone(), Duration::from_millis(300));
    let mut set = start_on(&reads, Arc::clone(&timed), &tokens).await;
    // No permit: the store never answers. The first call (alone) times out at 300 ms,
    // after the others queued (5 ms apart); the next leader's batch gets 300 ms of its
    // own although it already waited, and times out too.
    let within = tokio::time::timeout(Duration::from_secs(10), async {
        let mut failed = 0;
        while let Some(done) = set.join_next().await {
            let (_, found) = done.expect("no read panicked");
            let err = found.expect_err("not answered");
            assert!(err.to_string().contains("did not answer"), "{err}");
            failed += 1;
        }
        failed
    })
    .await;
    assert_eq!(within.expect("no read hung"), 5);
    assert_eq!(
        adapter.calls.load(Ordering::SeqCst),
        2,
        "one alone, one batch"
    );
    assert_eq!(adapter.read.load(Ordering::SeqCst), 5);
    // The store answers again: reads succeed.
    adapter.gate.add_permits(100);
    let set = start_on(&reads, timed, &tokens[..1]).await;
    assert_eq!(all_answered(set).await, 1);
}
