//! Email helpers for the suites: the development sender's outbox file, read back.

use std::path::PathBuf;

use authgate::{email::DevSender, Email};
use serde_json::Value;

/// An outbox file of the development email sender, removed when dropped.
#[derive(Debug)]
pub struct Outbox(PathBuf);

impl Default for Outbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Outbox {
    /// A new, empty outbox under the temporary directory.
    pub fn new() -> Self {
        let name = format!("authgate-outbox-{:016x}.jsonl", rand::random::<u64>());
        Self(std::env::temp_dir().join(name))
    }

    /// The `email` provider with a development sender writing here.
    pub fn provider(&self) -> Email {
        Email::new(DevSender::new().outbox(&self.0))
    }

    /// Every message so far: `{"to","url","expires"}`.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    /// The link of the last message.
    pub fn last_link(&self) -> String {
        let all = self.messages();
        let last = all.last().expect("a message in the outbox");
        last["url"].as_str().expect("url").to_owned()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
