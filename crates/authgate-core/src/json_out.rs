//! The JSON of a token's claims and of a session, written straight to bytes: byte for
//! byte what `serde_json::to_vec` writes for a [`Token`] and a [`Session`] (property
//! tests compare them), for the two that run on every `GET /session` (the re-issued
//! token, the answer). serde_json passes each byte of each string through its escape
//! table one at a time; here a string that needs no escaping, the usual case, is
//! checked with one vectorizable pass and copied whole, and only a string that does is
//! handed to serde_json.

use serde_json::{Map, Value};

use crate::{Error, Session, SessionUser, Token};

impl Session {
    /// The session as JSON: the same bytes as `serde_json::to_vec(&session)`, written
    /// faster (a string with nothing to escape is copied whole); what `GET /session`
    /// answers, and what the integrations' `SharedSession` answers as a response.
    ///
    /// ```
    /// use authgate_core::{Session, SessionUser};
    /// let mut session = Session::default();
    /// session.user = Some(SessionUser { name: Some("Alice".into()), ..Default::default() });
    /// session.expires = "2026-12-24T10:00:00.000Z".into();
    /// assert_eq!(session.to_json().unwrap(), serde_json::to_vec(&session).unwrap());
    /// ```
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        Ok(session(self)?)
    }
}

/// `serde_json::to_vec(token)`.
pub(crate) fn token(token: &Token) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(512);
    let mut obj = Object::open(&mut out);
    obj.opt_str("sub", token.sub.as_deref())?;
    obj.opt_str("name", token.name.as_deref())?;
    obj.opt_str("email", token.email.as_deref())?;
    obj.opt_str("picture", token.picture.as_deref())?;
    obj.opt_int("iat", token.iat)?;
    obj.opt_int("exp", token.exp)?;
    obj.opt_str("jti", token.jti.as_deref())?;
    obj.entries(&token.extra)?;
    obj.close();
    Ok(out)
}

/// `serde_json::to_vec(session)`.
pub(crate) fn session(session: &Session) -> Result<Vec<u8>, serde_json::Error> {
    // Sized for the usual session, and for a long name or image URL, without growing.
    let user_len = session.user.as_ref().map_or(0, |u| {
        [&u.id, &u.name, &u.email, &u.image]
            .iter()
            .map(|s| s.as_ref().map_or(0, |s| s.len()))
            .sum()
    });
    let mut out = Vec::with_capacity(256 + user_len);
    let mut obj = Object::open(&mut out);
    if let Some(user) = &session.user {
        obj.field("user");
        session_user(obj.out, user)?;
    }
    obj.field("expires");
    string(obj.out, &session.expires)?;
    obj.entries(&session.extra)?;
    obj.close();
    Ok(out)
}

fn session_user(out: &mut Vec<u8>, user: &SessionUser) -> Result<(), serde_json::Error> {
    let mut obj = Object::open(out);
    obj.opt_str("id", user.id.as_deref())?;
    obj.opt_str("name", user.name.as_deref())?;
    obj.opt_str("email", user.email.as_deref())?;
    obj.opt_str("image", user.image.as_deref())?;
    obj.entries(&user.extra)?;
    obj.close();
    Ok(())
}

/// An object being written: `{`, then members separated by `,`.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, empty: true }
    }

    /// The `,` before every member but the first.
    fn separate(&mut self) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
    }

    fn key(&mut self, key: &str) -> Result<(), serde_json::Error> {
        self.separate();
        string(self.out, key)?;
        self.out.push(b':');
        Ok(())
    }

    /// One of the fixed field names (ASCII letters and `_`: nothing to escape, so no
    /// scan).
    fn field(&mut self, name: &'static str) {
        debug_assert!(name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'));
        self.separate();
        self.out.reserve(name.len() + 3);
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A field skipped when `None` (`skip_serializing_if = "Option::is_none"`).
    fn opt_str(&mut self, key: &'static str, value: Option<&str>) -> Result<(), serde_json::Error> {
        if let Some(value) = value {
            self.field(key);
            string(self.out, value)?;
        }
        Ok(())
    }

    fn opt_int(&mut self, key: &'static str, value: Option<i64>) -> Result<(), serde_json::Error> {
        if let Some(value) = value {
            self.field(key);
            serde_json::to_writer(&mut *self.out, &value)?;
        }
        Ok(())
    }

    /// The members of a flattened map, in its order.
    fn entries(&mut self, map: &Map<String, Value>) -> Result<(), serde_json::Error> {
        for (key, value) in map {
            self.key(key)?;
            self::value(self.out, value)?;
        }
        Ok(())
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

fn value(out: &mut Vec<u8>, value: &Value) -> Result<(), serde_json::Error> {
    match value {
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                self::value(out, item)?;
            }
            out.push(b']');
            Ok(())
        }
        Value::Object(map) => {
            let mut obj = Object::open(out);
            obj.entries(map)?;
            obj.close();
            Ok(())
        }
        // null, booleans and numbers: serde_json's own text.
        other => serde_json::to_writer(out, other),
    }
}

/// A JSON string: copied whole between quotes when nothing in it needs escaping (what
/// serde_json escapes: control characters, `"` and `\`), else written by serde_json.
fn string(out: &mut Vec<u8>, s: &str) -> Result<(), serde_json::Error> {
    // No early exit within a block, so the compiler checks many bytes per instruction;
    // a long string (a 3,000-character name, say) looks for `"` and `\` with `memchr2`
    // first, which runs on the CPU's widest vectors (for a short one the call costs more
    // than it saves), then for control characters.
    let escapes = |block: &[u8]| {
        block.iter().fold(false, |acc, &b| {
            acc | (b < 0x20) | (b == b'"') | (b == b'\\')
        })
    };
    let bytes = s.as_bytes();
    let escape = if bytes.len() >= 256 {
        memchr::memchr2(b'"', b'\\', bytes).is_some()
            || bytes.iter().fold(false, |acc, &b| acc | (b < 0x20))
    } else {
        let mut blocks = bytes.chunks_exact(64);
        blocks.any(escapes) || escapes(blocks.remainder())
    };
    if escape {
        return serde_json::to_writer(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Strings with and without what JSON escapes, and non-ASCII; long ones (the
    /// `memchr2` path) with an escape or none, anywhere.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 ./:@_-]{0,40}",
            any::<String>(),
            "[a\"\\\\\u{0}\u{1f}\u{7f}é€😀\n\t]{0,12}",
            "[a-zA-Z0-9 é]{0,300}[\"\\\\\u{0}\u{1f}a]?[a-z]{0,300}",
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn extra() -> impl Strategy<Value = Map<String, Value>> {
        // Standard names too: serde writes such a member twice, and so must this.
        let key = prop_oneof![text(), Just("name".to_owned()), Just("sub".to_owned())];
        prop::collection::btree_map(key, json_value(), 0..5).prop_map(|m| m.into_iter().collect())
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    prop_compose! {
        fn any_token()(
            sub in opt_text(), name in opt_text(), email in opt_text(), picture in opt_text(),
            iat in proptest::option::of(any::<i64>()), exp in proptest::option::of(any::<i64>()),
            jti in opt_text(), extra in extra(),
        ) -> Token {
            Token { sub, name, email, picture, iat, exp, jti, extra }
        }
    }

    prop_compose! {
        fn any_session()(
            user in proptest::option::of((opt_text(), opt_text(), opt_text(), opt_text(), extra())),
            expires in text(), extra in extra(),
        ) -> Session {
            Session {
                user: user.map(|(id, name, email, image, extra)| SessionUser { id, name, email, image, extra }),
                expires,
                extra,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn tokens_are_written_as_serde_json_writes_them(token in any_token()) {
            prop_assert_eq!(
                String::from_utf8(token_json(&token)).ok(),
                serde_json::to_string(&token).ok()
            );
        }

        #[test]
        fn sessions_are_written_as_serde_json_writes_them(session in any_session()) {
            prop_assert_eq!(
                String::from_utf8(session_json(&session)).ok(),
                serde_json::to_string(&session).ok()
            );
        }
    }

    fn token_json(t: &Token) -> Vec<u8> {
        token(t).expect("token JSON")
    }

    fn session_json(s: &Session) -> Vec<u8> {
        session(s).expect("session JSON")
    }
}
