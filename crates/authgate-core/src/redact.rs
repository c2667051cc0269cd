//! `Debug` output that never shows a secret: token-like fields of JSON maps (provider
//! tokens in an account or a session token), credentials, headers and cookies print as
//! `[redacted]`.

use std::fmt;

use serde_json::{Map, Value};

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Whether a field name holds a secret (`access_token`, `client_secret`, `password`...).
pub(crate) fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "cookie",
        "code_verifier",
    ]
    .iter()
    .any(|s| key.contains(s))
}

/// A JSON map whose secret fields print redacted.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in self.0 {
            if is_secret_key(k) {
                map.entry(k, &REDACTED);
            } else {
                map.entry(k, v);
            }
        }
        map.finish()
    }
}

/// Names only: the values print redacted (posted credentials, headers).
pub(crate) struct Keys<I>(pub(crate) I);

impl<I, K> fmt::Debug for Keys<I>
where
    I: Iterator<Item = K> + Clone,
    K: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for k in self.0.clone() {
            map.entry(&k, &REDACTED);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields_are_hidden() {
        let mut m = Map::new();
        m.insert("access_token".into(), "gho_secret".into());
        m.insert("Refresh_Token".into(), "rt".into());
        m.insert("role".into(), "admin".into());
        let out = format!("{:?}", RedactedMap(&m));
        assert!(
            !out.contains("gho_secret") && !out.contains("\"rt\""),
            "{out}"
        );
        assert!(out.contains("admin"));
        let creds = [("password", "hunter2")];
        let out = format!("{:?}", Keys(creds.iter().map(|(k, _)| k)));
        assert!(
            out.contains("password") && !out.contains("hunter2"),
            "{out}"
        );
    }

    #[test]
    fn contexts_tokens_and_accounts_hide_secrets() {
        use crate::{Account, AccountType, AuthorizeRequest, SignInContext, Token, User};
        let mut extra = Map::new();
        extra.insert("refresh_token".into(), "rt-live-123".into());
        let account = Account {
            kind: AccountType::OAuth,
            provider: "github".into(),
            provider_account_id: "42".into(),
            extra: extra.clone(),
        };
        let ctx = SignInContext {
            user: User::new("1"),
            account: Some(account.clone()),
            profile: None,
            credentials: Some([("password".to_owned(), "hunter2".to_owned())].into()),
            email: None,
        };
        let out = format!("{ctx:?}");
        assert!(
            !out.contains("hunter2") && !out.contains("rt-live-123"),
            "{out}"
        );
        assert!(out.contains("password") && out.contains("github"), "{out}");
        let token = Token {
            sub: Some("1".into()),
            extra,
            ..Token::default()
        };
        assert!(!format!("{token:?}").contains("rt-live-123"));
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "authjs.session-token=abc.def".parse().unwrap(),
        );
        let req = AuthorizeRequest {
            method: http::Method::POST,
            uri: "/auth/callback/credentials".parse().unwrap(),
            headers,
            client_ip: None,
        };
        let out = format!("{req:?}");
        assert!(out.contains("cookie") && !out.contains("abc.def"), "{out}");
    }
}
