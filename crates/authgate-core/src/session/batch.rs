//! Database session reads gathered while one is in flight, so a store round trip serves
//! many concurrent requests ([`crate::adapter::Adapter::get_sessions_and_users`]).
//!
//! A read with nothing in flight goes to the store alone, at once (no added latency, no
//! task). Reads that arrive meanwhile wait in a queue; when the first read is done, one
//! spawned task reads the whole queue with one call, and again while reads keep coming.
//! This is not a cache: every read is answered by a store read that started after the
//! request asked, so a session deleted (signed out, revoked) before a request arrives
//! is never served to it.
//!
//! Cancellation and panics: the first read hands the queue to a task when it ends,
//! however it ends (a guard's `Drop`); a task that panics drops the waiting senders, so
//! their reads fail (as a store error, answered 503) instead of hanging.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::adapter::{Adapter, AdapterError, AdapterSession, AdapterUser};

/// What a session read finds.
pub(crate) type Found = Option<(AdapterSession, AdapterUser)>;

type Reply = oneshot::Sender<Result<Found, AdapterError>>;

/// The most tokens read with one store call.
const MAX_BATCH: usize = 64;

#[derive(Default)]
struct Queue {
    /// A read (or a task draining the queue) is in flight.
    busy: bool,
    waiting: Vec<(String, Reply)>,
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
        let waiting = {
            let mut queue = lock(&self.queue);
            if queue.busy {
                let (tx, rx) = oneshot::channel();
                queue.waiting.push((hashed.to_owned(), tx));
                Some(rx)
            } else {
                queue.busy = true;
                None
            }
        };
        if let Some(rx) = waiting {
            return rx.await.unwrap_or_else(|_| Err(abandoned()));
        }
        let _hand_over = HandOver {
            queue: Arc::clone(&self.queue),
            adapter: Arc::clone(adapter),
        };
        adapter.get_session_and_user(hashed).await
    }
}

fn lock(queue: &Mutex<Queue>) -> std::sync::MutexGuard<'_, Queue> {
    // The lock is never held across an await or user code: a poisoned one is usable.
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

fn abandoned() -> AdapterError {
    AdapterError::backend("the session read was abandoned (the store call panicked)")
}

/// Dropped when the first read ends: the queue goes to a task, or is marked idle.
struct HandOver {
    queue: Arc<Mutex<Queue>>,
    adapter: Arc<dyn Adapter>,
}

impl Drop for HandOver {
    fn drop(&mut self) {
        let mut queue = lock(&self.queue);
        if queue.waiting.is_empty() {
            queue.busy = false;
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                drop(queue);
                runtime.spawn(drain(Arc::clone(&self.queue), Arc::clone(&self.adapter)));
            }
            // No runtime (shutting down): the waiting reads fail.
            Err(_) => {
                queue.waiting.clear();
                queue.busy = false;
            }
        }
    }
}

/// Reads the queue, [`MAX_BATCH`] tokens per store call, until it is empty.
async fn drain(queue: Arc<Mutex<Queue>>, adapter: Arc<dyn Adapter>) {
    let mut abandon = Abandon {
        queue: Arc::clone(&queue),
        finished: false,
    };
    loop {
        let batch: Vec<(String, Reply)> = {
            let mut q = lock(&queue);
            if q.waiting.is_empty() {
                // Under the lock: a read that comes next finds the queue idle.
                q.busy = false;
                abandon.finished = true;
                return;
            }
            let take = q.waiting.len().min(MAX_BATCH);
            q.waiting.drain(..take).collect()
        };
        let (tokens, replies): (Vec<String>, Vec<Reply>) = batch.into_iter().unzip();
        let answers: Vec<Result<Found, AdapterError>> =
            match adapter.get_sessions_and_users(&tokens).await {
                Ok(found) if found.len() == tokens.len() => found.into_iter().map(Ok).collect(),
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
        for (reply, answer) in replies.into_iter().zip(answers) {
            // A reader that went away no longer waits: nothing to do.
            let _ = reply.send(answer);
        }
    }
}

/// When the draining task ends early (a panicking store call, or the runtime shutting
/// down and dropping it), the reads still waiting fail (their senders are dropped) and
/// the queue is idle again.
struct Abandon {
    queue: Arc<Mutex<Queue>>,
    finished: bool,
}

impl Drop for Abandon {
    fn drop(&mut self) {
        if !self.finished {
            let mut queue = lock(&self.queue);
            queue.waiting.clear();
            queue.busy = false;
        }
    }
}
