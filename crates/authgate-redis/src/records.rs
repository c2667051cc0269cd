//! Reading the session and user records of a session read, the hot path of database
//! sessions. The records this adapter writes (flat JSON objects, no escapes in the
//! usual ids, names and addresses) are read with [`flat_object`]; anything else (an
//! escape, a field missing, repeated or unknown, another type) goes to serde_json, as
//! every record did before. The fast path never accepts what serde_json refuses and
//! gives the same value for what it accepts (property-tested below).

use authgate_core::adapter::{flat_object, AdapterError, AdapterSession, AdapterUser, FlatValue};
use serde::de::DeserializeOwned;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// A session record.
pub(crate) fn session(raw: &[u8]) -> Result<AdapterSession, AdapterError> {
    fast_session(raw).map_or_else(|| json(raw), Ok)
}

/// A user record.
pub(crate) fn user(raw: &[u8]) -> Result<AdapterUser, AdapterError> {
    fast_user(raw).map_or_else(|| json(raw), Ok)
}

/// Any record, with serde_json.
pub(crate) fn json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AdapterError> {
    serde_json::from_slice(raw).map_err(AdapterError::backend)
}

/// Sets a field read once; `None` (serde_json decides) when it was already set.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

/// A string, or `None` for any other value.
fn text(value: FlatValue<'_>) -> Option<&str> {
    match value {
        FlatValue::Str(s) => Some(s),
        _ => None,
    }
}

/// A string or `null`, or `None` for any other value.
fn nullable(value: FlatValue<'_>) -> Option<Option<&str>> {
    match value {
        FlatValue::Str(s) => Some(Some(s)),
        FlatValue::Null => Some(None),
        _ => None,
    }
}

/// What `time::serde::rfc3339` reads.
fn timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn fast_session(raw: &[u8]) -> Option<AdapterSession> {
    let text_of = std::str::from_utf8(raw).ok()?;
    let (mut token, mut user_id, mut expires) = (None, None, None);
    flat_object(text_of, |key, value| match key {
        "session_token" => once(&mut token, text(value)?),
        "user_id" => once(&mut user_id, text(value)?),
        "expires" => once(&mut expires, text(value)?),
        _ => None,
    })?;
    Some(AdapterSession {
        session_token: token?.to_owned(),
        user_id: user_id?.to_owned(),
        expires: timestamp(expires?)?,
    })
}

fn fast_user(raw: &[u8]) -> Option<AdapterUser> {
    let text_of = std::str::from_utf8(raw).ok()?;
    let (mut id, mut name, mut email, mut verified, mut image) = (None, None, None, None, None);
    flat_object(text_of, |key, value| match key {
        "id" => once(&mut id, text(value)?),
        "name" => once(&mut name, nullable(value)?),
        "email" => once(&mut email, nullable(value)?),
        "email_verified" => once(&mut verified, nullable(value)?),
        "image" => once(&mut image, nullable(value)?),
        _ => None,
    })?;
    let email_verified = match verified? {
        Some(at) => Some(timestamp(at)?),
        None => None,
    };
    Some(AdapterUser {
        id: id?.to_owned(),
        name: name?.map(str::to_owned),
        email: email?.map(str::to_owned),
        email_verified,
        image: image?.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn member(name: &'static str, values: Vec<&'static str>) -> impl Strategy<Value = String> {
        (prop::sample::select(values), any::<bool>())
            .prop_map(move |(v, space)| format!("\"{name}\":{}{v}", if space { " " } else { "" }))
    }

    /// Records made of the fields, sometimes one missing, repeated or unknown, with
    /// values the fast path reads and values it leaves.
    fn record(fields: Vec<(&'static str, Vec<&'static str>)>) -> impl Strategy<Value = String> {
        let members: Vec<_> = fields
            .into_iter()
            .map(|(name, values)| member(name, values).boxed())
            .collect();
        (members, any::<prop::sample::Index>(), 0..4u8).prop_map(|(mut members, at, change)| {
            let at = at.index(members.len());
            match change {
                0 => {
                    members.remove(at);
                }
                1 => members.push(members[at].clone()),
                2 => members.push("\"other\":1".to_owned()),
                _ => {}
            }
            format!("{{{}}}", members.join(","))
        })
    }

    fn strings() -> Vec<&'static str> {
        vec![
            "\"1\"",
            "\"a b\"",
            "\"\"",
            "\"\\u0041\"",
            "null",
            "7",
            "true",
        ]
    }

    fn times() -> Vec<&'static str> {
        vec![
            "\"2027-01-04T16:51:02Z\"",
            "\"2027-01-04T16:51:02.123456789+02:00\"",
            "\"2027-01-04 16:51:02Z\"",
            "\"2027-02-30T00:00:00Z\"",
            "\"soon\"",
            "null",
            "1767542400",
        ]
    }

    /// What the fast path reads (if it does), serde_json reads the same.
    fn agrees<T>(raw: &str, fast: fn(&[u8]) -> Option<T>) -> Result<(), TestCaseError>
    where
        T: DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        if let Some(fast) = fast(raw.as_bytes()) {
            let slow: T = serde_json::from_str(raw)
                .map_err(|e| TestCaseError::fail(format!("{raw}: serde_json refused: {e}")))?;
            prop_assert_eq!(fast, slow, "{}", raw);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn sessions_read_as_serde_json_reads_them(raw in record(vec![
            ("session_token", strings()),
            ("user_id", strings()),
            ("expires", times()),
        ])) {
            agrees(&raw, fast_session)?;
        }

        #[test]
        fn users_read_as_serde_json_reads_them(raw in record(vec![
            ("id", strings()),
            ("name", strings()),
            ("email", strings()),
            ("email_verified", times()),
            ("image", strings()),
        ])) {
            agrees(&raw, fast_user)?;
        }
    }

    #[test]
    fn the_records_this_adapter_writes_take_the_fast_path() {
        let session = AdapterSession {
            session_token: "5f6b".repeat(16),
            user_id: "8c3f2b1e-5d6a-4f7e-9b0c-1a2d3e4f5a6b".into(),
            expires: timestamp("2027-01-04T16:51:02.5Z").expect("time"),
        };
        let raw = serde_json::to_vec(&session).expect("json");
        assert_eq!(fast_session(&raw), Some(session));
        let user = AdapterUser {
            id: "1".into(),
            name: Some("Alice Liddell".into()),
            email: Some("alice@example.com".into()),
            email_verified: timestamp("2026-12-05T10:00:00Z"),
            image: None,
        };
        let raw = serde_json::to_vec(&user).expect("json");
        assert_eq!(fast_user(&raw), Some(user.clone()));
        // An escape is left to serde_json, which reads it.
        let quoted = AdapterUser {
            name: Some("Alice \"Al\" Liddell".into()),
            ..user
        };
        let raw = serde_json::to_vec(&quoted).expect("json");
        assert_eq!(fast_user(&raw), None);
        assert_eq!(self::user(&raw).ok(), Some(quoted));
        assert!(self::session(b"{\"session_token\":1}").is_err());
    }
}
