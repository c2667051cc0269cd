//! The key layout (described in the crate docs). Every key is the prefix, a kind, then
//! its parts separated by `:`. Every part but the last has `%` and `:` percent-encoded
//! (`%25`, `%3A`), so the first `:`s after the kind are the separators and no two
//! records share a key, whatever the ids hold. Keys are joined with `concat` (one
//! allocation, no formatting machinery): a session key is built on every session read.

use std::borrow::Cow;

/// The kind part of a session key.
const SESSION: &str = "session:";

/// The keys of one adapter: its prefix and the layout below it.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A user, as JSON.
    pub(crate) fn user(&self, id: &str) -> String {
        [&self.prefix, "user:", &escape(id)].concat()
    }

    /// The email index: the id of the user with this email.
    pub(crate) fn user_email(&self, email: &str) -> String {
        [&self.prefix, "user:email:", email].concat()
    }

    /// A user's accounts: a set of account keys.
    pub(crate) fn user_accounts(&self, id: &str) -> String {
        [&self.prefix, "user:accounts:", &escape(id)].concat()
    }

    /// A user's sessions: a sorted set of session keys, scored by expiry (Unix ms).
    pub(crate) fn user_sessions(&self, id: &str) -> String {
        [&self.prefix, "user:sessions:", &escape(id)].concat()
    }

    /// A linked account, as JSON.
    pub(crate) fn account(&self, provider: &str, provider_account_id: &str) -> String {
        [
            &self.prefix,
            "account:",
            &escape(provider),
            ":",
            provider_account_id,
        ]
        .concat()
    }

    /// A session, as JSON, expiring with it.
    pub(crate) fn session(&self, token: &str) -> String {
        [&self.prefix, SESSION, token].concat()
    }

    /// A session's key written into `buf` (cleared first): the batch read builds its
    /// keys in one buffer instead of a `String` each.
    pub(crate) fn session_into<'b>(&self, token: &str, buf: &'b mut Vec<u8>) -> &'b [u8] {
        buf.clear();
        for part in [&self.prefix, SESSION, token] {
            buf.extend_from_slice(part.as_bytes());
        }
        buf
    }

    /// A verification token, as JSON, expiring with it.
    pub(crate) fn verification_token(&self, identifier: &str, token: &str) -> String {
        [
            &self.prefix,
            "verification:",
            &escape(identifier),
            ":",
            token,
        ]
        .concat()
    }
}

/// Percent-encodes `%` and `:`; anything else is kept (UUIDs and provider ids as they are).
fn escape(part: &str) -> Cow<'_, str> {
    if !part.contains(['%', ':']) {
        return Cow::Borrowed(part);
    }
    Cow::Owned(part.replace('%', "%25").replace(':', "%3A"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_read_as_they_are() {
        let keys = Keys::new("authgate:");
        let id = "0b7c5a8e-3f1d-4e2a-9c6b-5d4e3f2a1b0c";
        assert_eq!(keys.user(id), format!("authgate:user:{id}"));
        assert_eq!(
            keys.user_email("a@b.example"),
            "authgate:user:email:a@b.example"
        );
        assert_eq!(keys.account("github", "42"), "authgate:account:github:42");
        assert_eq!(keys.session("ab12"), "authgate:session:ab12");
        assert_eq!(
            keys.verification_token("a@b.example", "cd34"),
            "authgate:verification:a@b.example:cd34"
        );
    }

    #[test]
    fn colons_cannot_move_a_boundary() {
        let keys = Keys::new("p:");
        assert_ne!(keys.account("a:b", "c"), keys.account("a", "b:c"));
        assert_eq!(keys.account("a:b", "c"), "p:account:a%3Ab:c");
        assert_ne!(keys.account("a%3Ab", "c"), keys.account("a:b", "c"));
        assert_ne!(
            keys.verification_token("x:y", "z"),
            keys.verification_token("x", "y:z")
        );
        // A user id can never read as another kind of user key.
        assert_ne!(keys.user("email:x"), keys.user_email("x"));
        assert_ne!(keys.user_accounts("x"), keys.user("accounts:x"));
        assert_ne!(keys.user_sessions("x"), keys.user("sessions:x"));
    }
}
