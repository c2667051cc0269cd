//! The development sender: the link goes to the log and, optionally, to an outbox
//! file, one JSON line per message (`{"to","url","expires"}`), for scripts and tests.

use std::path::PathBuf;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::{EmailSender, VerificationEmail};
use crate::{Error, ErrorCode};

/// Logs each sign-in link (`info`) and, with [`DevSender::outbox`], appends it to a file.
///
/// For development only: the log then holds links that sign their holder in.
///
/// ```
/// use authgate_core::{email::DevSender, Email};
///
/// let provider = Email::new(DevSender::new().outbox("/tmp/authgate-outbox.jsonl"));
/// assert_eq!(provider.provider_id(), "email");
/// ```
#[derive(Debug, Default)]
pub struct DevSender {
    outbox: Option<PathBuf>,
    /// One append at a time, so lines never interleave.
    lock: Mutex<()>,
}

impl DevSender {
    /// Logs links only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also appends each message to this file as one JSON line.
    #[must_use]
    pub fn outbox(mut self, path: impl Into<PathBuf>) -> Self {
        self.outbox = Some(path.into());
        self
    }
}

#[async_trait]
impl EmailSender for DevSender {
    async fn send(&self, email: &VerificationEmail) -> Result<(), Error> {
        tracing::info!(to = %email.to, url = %email.url, "development email sender: sign-in link");
        let Some(path) = &self.outbox else {
            return Ok(());
        };
        let line = serde_json::json!({
            "to": email.to,
            "url": email.url,
            "expires": crate::session::iso(email.expires.unix_timestamp()),
        });
        let mut line = serde_json::to_vec(&line)?;
        line.push(b'\n');
        let _guard = self.lock.lock().await;
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            file.write_all(&line)
        })
        .await
        .map_err(|e| Error::auth(ErrorCode::EmailSignInError, format!("outbox writer: {e}")))?
        .map_err(|e| Error::auth(ErrorCode::EmailSignInError, format!("outbox file: {e}")))
    }
}
