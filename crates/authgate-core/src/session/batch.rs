//! Database session reads gathered while one is in flight, so a store round trip serves
//! many concurrent requests ([`crate::adapter::Adapter::get_sessions_and_users`]), for
//! adapters that ask for it ([`crate::adapter::Adapter::gathers_session_reads`]).
//!
//! A read with nothing in flight leads at once. Reads that arrive meanwhile wait in a
//! queue. A leader first lets the tasks that are ready run (one yield, so requests
//! already in hand join its batch instead of waiting for the next), then reads its own
//! token and the queue's next 63 with one store call, answers them, and hands over:
//! when its call ends, however it ends (answered, failed, its request cancelled, a
//! panic: a guard's `Drop`), the first waiter still waiting is told to lead. No task is
//! spawned, so nothing depends on a runtime other than the requests' own. Each store
//! call is limited by the engine's store timeout (the configured adapter is wrapped in
//! `adapter::Timed`).
//! This is not a cache: every read is answered by a store call that started after its
//! request asked, so a session deleted (signed out, revoked) before a request arrives
//! is never served to it.
//!
//! A leader cancelled in the middle of a batch puts the reads it took back at the head of
//! the queue. A read in flight for longer than [`STALLED`] no longer gathers new reads:
//! they go to the store on their own, as without gathering, so one stalled call does not
//! hold every new request.

use std::{
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use tokio::sync::oneshot;

use crate::adapter::{Adapter, AdapterError, AdapterSession, AdapterUser};

/// What a session read finds.
pub(crate) type Found = Option<(AdapterSession, AdapterUser)>;

/// What a waiting read is told.
enum Message {
    /// Its answer.
    Answer(Result<Found, AdapterError>),
    /// To read (its token and the queue) and answer the others.
    Lead,
}

type Reply = oneshot::Sender<Message>;

/// The most tokens read with one store call.
const MAX_BATCH: usize = 64;

/// A read in flight for this long no longer gathers new reads.
const STALLED: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Queue {
    /// When the read (or batch) in flight started; `None` when none is.
    busy_since: Option<Instant>,
    waiting: std::collections::VecDeque<(String, Reply)>,
}

/// Gathers concurrent session reads (one per engine).
#[derive(Default)]
pub(crate) struct SessionReads {
    queue: Arc<Mutex<Queue>>,
}

impl SessionReads {
    /// The session of a hashed token and its user, read alone or with the reads that
    /// arrive while another is in flight.
    pub(crate) async fn get(
        &self,
        adapter: &Arc<dyn Adapter>,
        hashed: &str,
    ) -> Result<Found, AdapterError> {
        if !adapter.gathers_session_reads() {
            return adapter.get_session_and_user(hashed).await;
        }
        /// What this read does, decided under the lock.
        enum Turn {
            /// Nothing in flight: lead a batch.
            Lead,
            /// Read alone, past a stalled read.
            Alone,
            Wait(oneshot::Receiver<Message>),
        }
        let turn = {
            let mut queue = lock(&self.queue);
            match queue.busy_since {
                // The read in flight is stalled: this one goes alone.
                Some(since) if since.elapsed() >= STALLED => Turn::Alone,
                Some(_) => {
                    let (tx, rx) = oneshot::channel();
                    queue.waiting.push_back((hashed.to_owned(), tx));
                    Turn::Wait(rx)
                }
                None => {
                    queue.busy_since = Some(Instant::now());
                    Turn::Lead
                }
            }
        };
        let rx = match turn {
            Turn::Lead => return self.lead(adapter, hashed).await,
            Turn::Alone => return adapter.get_session_and_user(hashed).await,
            Turn::Wait(rx) => rx,
        };
        let mut waiting = Waiting {
            rx,
            queue: Arc::clone(&self.queue),
            done: false,
        };
        let message = (&mut waiting.rx).await;
        waiting.done = true;
        match message {
            Ok(Message::Answer(answer)) => answer,
            Ok(Message::Lead) => self.lead(adapter, hashed).await,
            Err(_) => Err(abandoned()),
        }
    }

    /// Reads `own` and the next reads of the queue with one store call, answers them,
    /// and hands over.
    async fn lead(&self, adapter: &Arc<dyn Adapter>, own: &str) -> Result<Found, AdapterError> {
        let _hand_over = HandOver(Arc::clone(&self.queue));
        // Reads whose requests are ready to run join this batch first.
        YieldOnce(false).await;
        let mut batch = {
            let mut queue = lock(&self.queue);
            queue.busy_since = Some(Instant::now());
            // Reads whose requests went away are not read for nothing.
            queue.waiting.retain(|(_, reply)| !reply.is_closed());
            let take = queue.waiting.len().min(MAX_BATCH - 1);
            let mut tokens = Vec::with_capacity(take + 1);
            tokens.push(own.to_owned());
            let mut replies = Vec::with_capacity(take);
            for (token, reply) in queue.waiting.drain(..take) {
                tokens.push(token);
                replies.push(reply);
            }
            Batch {
                queue: Arc::clone(&self.queue),
                tokens,
                replies,
            }
        };
        let tokens = &batch.tokens;
        let found = adapter.get_sessions_and_users(tokens).await;
        let mut answers: Vec<Result<Found, AdapterError>> = match found {
            Ok(found) if found.len() == tokens.len() => found,
            Ok(found) => {
                tracing::error!(
                    asked = tokens.len(),
                    answered = found.len(),
                    "get_sessions_and_users answered the wrong number of sessions"
                );
                let wrong = "get_sessions_and_users answered the wrong number of sessions";
                tokens
                    .iter()
                    .map(|_| Err(AdapterError::backend(wrong)))
                    .collect()
            }
            Err(err) => {
                let message = err.to_string();
                tokens
                    .iter()
                    .map(|_| Err(AdapterError::backend(message.clone())))
                    .collect()
            }
        };
        let others = answers.split_off(1);
        for (reply, answer) in std::mem::take(&mut batch.replies).into_iter().zip(others) {
            // A reader that went away no longer waits: nothing to do.
            let _ = reply.send(Message::Answer(answer));
        }
        answers
            .pop()
            .unwrap_or_else(|| Err(AdapterError::backend("no answer for the leading read")))
    }
}

/// Pending once, waking itself at once: the executor runs the other tasks that are
/// ready before this one resumes (any executor: it only uses the waker).
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // The lock is never held across an await or user code: a poisoned one is usable.
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

fn abandoned() -> AdapterError {
    AdapterError::backend("the gathered session read was abandoned")
}

/// Tells the first waiter still waiting to lead, or marks the queue idle.
fn hand_over(queue: &Mutex<Queue>) {
    loop {
        let next = {
            let mut q = lock(queue);
            match q.waiting.pop_front() {
                Some(next) => next,
                None => {
                    q.busy_since = None;
                    return;
                }
            }
        };
        // A waiter that went away cannot lead: try the next.
        if next.1.send(Message::Lead).is_ok() {
            return;
        }
    }
}

/// Dropped when a read in flight ends, however it ends: hands over.
struct HandOver(Arc<Mutex<Queue>>);

impl Drop for HandOver {
    fn drop(&mut self) {
        hand_over(&self.0);
    }
}

/// A leader's batch: its own token first, then the reads it took from the queue (their
/// tokens and replies, in order). Unanswered reads (the leader was cancelled or
/// panicked) go back to the head of the queue when it is dropped.
struct Batch {
    queue: Arc<Mutex<Queue>>,
    tokens: Vec<String>,
    replies: Vec<Reply>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        if self.replies.is_empty() {
            return;
        }
        let taken = self.tokens.drain(1..).zip(self.replies.drain(..));
        let mut queue = lock(&self.queue);
        for entry in taken.rev() {
            queue.waiting.push_front(entry);
        }
    }
}

/// A waiting read. Dropped before its message was read (its request cancelled) after it
/// was told to lead, it hands over instead.
struct Waiting {
    rx: oneshot::Receiver<Message>,
    queue: Arc<Mutex<Queue>>,
    done: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // No message can arrive after `close`; one that came before is seen here.
        self.rx.close();
        if let Ok(Message::Lead) = self.rx.try_recv() {
            hand_over(&self.queue);
        }
    }
}

#[cfg(test)]
mod tests;
