//! The email provider (magic links): its settings, the address normalizer, and how a
//! link's token is stored (hashed with the secret, as Auth.js).

use std::{sync::Arc, time::Duration};

use rand::RngCore;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::{
    adapter::{Adapter, AdapterError},
    email::EmailSender,
    Account, AccountType, User,
};

/// The longest address accepted (RFC 5321's path limit).
const MAX_EMAIL_LEN: usize = 320;

/// The longest a link may work.
const MAX_LINK_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Characters refused anywhere in an address: mailbox syntax that could make a mail
/// library read another recipient out of it (`x<attacker@evil.example>`), quoting, and
/// separators.
const REFUSED: &[char] = &['"', '<', '>', '(', ')', '[', ']', '\\', ';', ':'];

/// Invisible Unicode format characters (zero-width, bidi controls, soft hyphen, BOM)
/// that make two different addresses look alike.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

type Normalizer = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Sign-in with a link sent by email (Auth.js's email provider). Needs an adapter: the
/// link's token and the users live there.
///
/// `POST /signin/email` (field `email`) sends the link; `GET /callback/email` shows a
/// confirm page whose button signs in, so a mail scanner that fetches the link does
/// not use it up ([`Email::confirm_page`] turns this off for Auth.js's one-click link).
///
/// ```
/// use std::time::Duration;
/// use authgate_core::{email::DevSender, Email};
///
/// let provider = Email::new(DevSender::new())
///     .max_age(Duration::from_secs(3600))
///     .confirm_page(true);
/// assert_eq!(provider.provider_id(), "email");
/// ```
#[derive(Clone)]
pub struct Email {
    id: String,
    name: String,
    sender: Arc<dyn EmailSender>,
    max_age: Duration,
    confirm_page: bool,
    secret: Option<String>,
    normalize: Option<Normalizer>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("max_age", &self.max_age)
            .field("confirm_page", &self.confirm_page)
            .finish_non_exhaustive()
    }
}

impl Email {
    /// The provider `email` ("Email"), sending through `sender`; links last 24 hours.
    pub fn new(sender: impl EmailSender) -> Self {
        Self::with_sender(Arc::new(sender))
    }

    /// As [`Email::new`], with a shared sender.
    pub fn with_sender(sender: Arc<dyn EmailSender>) -> Self {
        Self {
            id: "email".into(),
            name: "Email".into(),
            sender,
            max_age: Duration::from_secs(24 * 3600),
            confirm_page: true,
            secret: None,
            normalize: None,
        }
    }

    /// Sets the provider id (default `email`).
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the display name (default `Email`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How long a link works (default 24 hours).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// `true` (the default): the link opens a confirm page and only its button (a
    /// `POST`) uses the link up, so mail scanners that fetch links do not spend it.
    /// `false`: the link signs in on `GET`, as Auth.js.
    #[must_use]
    pub fn confirm_page(mut self, on: bool) -> Self {
        self.confirm_page = on;
        self
    }

    /// The secret mixed into stored token hashes (default: the first `AUTH_SECRET`).
    #[must_use]
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Replaces the address normalizer ([`normalize_email`]); `None` refuses the address.
    #[must_use]
    pub fn normalize(mut self, f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.normalize = Some(Arc::new(f));
        self
    }

    /// The provider id.
    pub fn provider_id(&self) -> &str {
        &self.id
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.name
    }

    /// Checks the settings (at config build).
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.max_age.is_zero() || self.max_age > MAX_LINK_AGE {
            return Err(format!(
                "email provider {:?}: max_age must be between 1 s and 30 days",
                self.id
            ));
        }
        if self.secret.as_deref() == Some("") {
            return Err(format!("email provider {:?}: the secret is empty", self.id));
        }
        Ok(())
    }

    pub(crate) fn sender(&self) -> &dyn EmailSender {
        &*self.sender
    }

    pub(crate) fn link_max_age(&self) -> Duration {
        self.max_age
    }

    pub(crate) fn uses_confirm_page(&self) -> bool {
        self.confirm_page
    }

    /// The normalized address, or `None` when it is not acceptable.
    pub(crate) fn normalized(&self, raw: &str) -> Option<String> {
        match &self.normalize {
            Some(f) => f(raw),
            None => normalize_email(raw),
        }
    }

    /// What the store keeps for a link's token: `hex(SHA-256(token ‖ secret))`, with the
    /// provider's secret or the current one.
    pub(crate) fn hash_token(&self, token: &str, config_secrets: &[String]) -> String {
        let current = config_secrets.first().map_or("", String::as_str);
        hash(token, self.secret.as_deref().unwrap_or(current))
    }

    /// The hashes a link's token may be stored under: with the provider's secret, or with
    /// each of the config's secrets (a link sent before a rotation still works).
    pub(crate) fn token_hashes(&self, token: &str, config_secrets: &[String]) -> Vec<String> {
        match &self.secret {
            Some(own) => vec![hash(token, own)],
            None => config_secrets.iter().map(|s| hash(token, s)).collect(),
        }
    }
}

impl Email {
    /// Who signs in with an address, as `sign_in` sees it: the stored user with it, or
    /// a stand-in with a random id (Auth.js v5); and the email account.
    pub(crate) async fn sign_in_parts(
        &self,
        adapter: &dyn Adapter,
        email: &str,
    ) -> Result<(User, Account), AdapterError> {
        let user = match adapter.get_user_by_email(email).await? {
            Some(stored) => stored.to_user(),
            None => User::new(uuid::Uuid::new_v4().to_string()).email(email),
        };
        let account = Account {
            kind: AccountType::Email,
            provider: self.id.clone(),
            provider_account_id: email.to_owned(),
            extra: serde_json::Map::new(),
        };
        Ok((user, account))
    }
}

fn hash(token: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(token.as_bytes());
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// A new link token: 32 random bytes, hex (as Auth.js).
pub(crate) fn new_link_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Auth.js v5's address normalization, stricter: NFKC, trimmed, lowercased; exactly one
/// `@`; no `"`, `<`, `>`, `(`, `)`, `[`, `]`, `\`, `;`, `:`, control characters, inner
/// whitespace or invisible format characters; a non-empty local part and domain;
/// anything after a `,` in the domain is dropped; at most 320 bytes.
///
/// ```
/// use authgate_core::normalize_email;
///
/// assert_eq!(normalize_email("  Alice@Example.COM ").as_deref(), Some("alice@example.com"));
/// assert_eq!(normalize_email("a@b.example,attacker.example").as_deref(), Some("a@b.example"));
/// assert_eq!(normalize_email("a@b.example,evil@attacker.example"), None);
/// assert_eq!(normalize_email("no-at-sign"), None);
/// assert_eq!(normalize_email("\"quoted\"@example.com"), None);
/// ```
pub fn normalize_email(raw: &str) -> Option<String> {
    let email: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    if email
        .chars()
        .any(|c| REFUSED.contains(&c) || c.is_control() || c.is_whitespace() || is_invisible(c))
    {
        return None;
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let domain = domain.split(',').next().unwrap_or_default();
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let out = format!("{local}@{domain}");
    (out.len() <= MAX_EMAIL_LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_as_authjs() {
        let ok = [
            ("Alice@Example.com", "alice@example.com"),
            ("\t bob@example.com \n", "bob@example.com"),
            // NFKC: full-width letters and the ligature fold to ASCII.
            ("ＡＬＩＣＥ@example.com", "alice@example.com"),
            ("ﬁ@example.com", "fi@example.com"),
            ("a@example.com,evil.example", "a@example.com"),
            ("a@example.com,", "a@example.com"),
        ];
        for (raw, want) in ok {
            assert_eq!(normalize_email(raw).as_deref(), Some(want), "{raw:?}");
        }
        let bad = [
            "",
            "   ",
            "alice",
            "@example.com",
            "alice@",
            "a@b@example.com",
            "\"a\"@example.com",
            "a\u{0}@example.com",
            "a\r\nbcc: x@example.com@example.com",
            "a b@example.com",
            "a@,example.com",
            "a@example.com,b@evil.example",
            "x<attacker@evil.example>",
            "x(comment)@example.com",
            "a;b@example.com",
            "[a]@example.com",
            "a:b@example.com",
            "a\\b@example.com",
            "ali\u{200B}ce@example.com",
            "alice@exam\u{202E}ple.com",
            "al\u{00AD}ice@example.com",
        ];
        for raw in bad {
            assert_eq!(normalize_email(raw), None, "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(320));
        assert_eq!(normalize_email(&long), None);
    }

    #[test]
    fn token_hash_mixes_in_the_secret() {
        let p = Email::new(crate::email::DevSender::new());
        let secrets = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let a = p.hash_token("t", &secrets(&["s1"]));
        assert_eq!(a.len(), 64);
        assert_ne!(a, p.hash_token("t", &secrets(&["s2"])));
        assert_ne!(a, p.hash_token("u", &secrets(&["s1"])));
        assert_eq!(
            p.clone().secret("own").hash_token("t", &secrets(&["s1"])),
            p.hash_token("t", &secrets(&["own"]))
        );
        // After a rotation the old secret's hash is still looked for.
        let rotated = p.token_hashes("t", &secrets(&["s2", "s1"]));
        assert_eq!(rotated, [p.hash_token("t", &secrets(&["s2"])), a]);
        assert_eq!(
            p.clone()
                .secret("own")
                .token_hashes("t", &secrets(&["s1"]))
                .len(),
            1
        );
        assert_eq!(new_link_token().len(), 64);
    }
}
