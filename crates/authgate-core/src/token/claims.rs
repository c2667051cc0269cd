//! The usual claims payload read into a [`Token`] without serde_json's machinery: one
//! JSON object whose keys and string values have no escapes and whose values are
//! strings, integers, `true`, `false` or `null` — what authgate and Auth.js write for a
//! session. Anything else (an escape, a nested object or array, a fraction or
//! exponent, a number over 18 digits, a syntax error) answers `None`, and the caller
//! parses the payload with serde_json as before: this path never accepts what that one
//! refuses, and gives the same `Token` for what it accepts (property-tested against
//! it). It runs only on a payload whose MAC was verified.

use serde_json::Value;

use super::Token;
use crate::json_in::{flat_object, FlatValue};

/// The payload as a `Token`, or `None` to leave it to serde_json.
pub(super) fn simple(text: &str) -> Option<Token> {
    let mut token = Token::default();
    flat_object(text, |key, value| assign(&mut token, key, value))?;
    Some(token)
}

/// Sets a claim as the `Token` deserializer does: a standard claim takes a string (or
/// an integer for `iat` and `exp`), `null` leaves it absent, the last of a repeated
/// name wins; any other name goes into `extra`. `None` for a standard claim of
/// another type (serde_json then refuses the payload).
fn assign(token: &mut Token, key: &str, value: FlatValue<'_>) -> Option<()> {
    fn text(value: FlatValue<'_>) -> Option<Option<String>> {
        match value {
            FlatValue::Str(s) => Some(Some(s.to_owned())),
            FlatValue::Null => Some(None),
            _ => None,
        }
    }
    fn int(value: FlatValue<'_>) -> Option<Option<i64>> {
        match value {
            FlatValue::Int(n) => Some(Some(n)),
            FlatValue::Null => Some(None),
            _ => None,
        }
    }
    match key {
        "sub" => token.sub = text(value)?,
        "name" => token.name = text(value)?,
        "email" => token.email = text(value)?,
        "picture" => token.picture = text(value)?,
        "iat" => token.iat = int(value)?,
        "exp" => token.exp = int(value)?,
        "jti" => token.jti = text(value)?,
        _ => {
            token.extra.insert(key.to_owned(), Value::from(value));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Keys: the standard ones, others, and ones with what this path leaves alone.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec!["sub", "name", "email", "picture", "iat", "exp", "jti"])
                .prop_map(str::to_owned),
            "[a-z_]{0,8}",
            any::<String>(),
        ]
    }

    /// Values as JSON text: strings (some needing escapes), integers of every size,
    /// numbers that are not integers, literals, nested values, and a few broken ones.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 @./:é-]{0,20}".prop_map(|s| serde_json::to_string(&s).expect("json")),
            any::<String>().prop_map(|s| serde_json::to_string(&s).expect("json")),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (-1_000_000i64..1_000_000).prop_map(|n| n.to_string()),
            prop::sample::select(vec![
                "true",
                "false",
                "null",
                "-0",
                "0",
                "00",
                "01",
                "-",
                "1.5",
                "1e3",
                "2E-2",
                "-0.0",
                "[]",
                "[1,\"a\"]",
                "{}",
                "{\"a\":{\"b\":null}}",
                "\"a\\u0041\"",
                "\"tab\there\"",
                "tru",
                "nul",
                "\"open",
                "9223372036854775807",
                "-9223372036854775808",
                "18446744073709551616",
                "123456789012345678",
                "1234567890123456789",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn ws() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", " ", "\n\t", "\r "])
    }

    fn payload() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((key(), value(), ws(), ws()), 0..8),
            ws(),
            prop::sample::select(vec!["", "", "", ",", "}", "x", " "]),
        )
            .prop_map(|(members, pad, tail)| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v, a, b)| {
                        format!(
                            "{a}{}{b}:{a}{v}{b}",
                            serde_json::to_string(&k).expect("json")
                        )
                    })
                    .collect();
                format!("{pad}{{{}}}{pad}{tail}", members.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever this path reads, serde_json reads the same way; what it leaves,
        /// serde_json decides.
        #[test]
        fn agrees_with_serde_json(text in payload()) {
            if let Some(fast) = simple(&text) {
                let slow: Token = serde_json::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("{text:?}: serde_json refused: {e}")))?;
                prop_assert!(fast == slow, "{:?}: {:?} != {:?}", text, fast, slow);
            }
        }
    }

    #[test]
    fn the_usual_payload_takes_this_path() {
        let text = r#"{"name":"Alice","email":"alice@example.com","picture":"https://example.com/a.png","sub":"1","id":"1","role":"admin","n":-42,"ok":true,"gone":null,"iat":1764900000,"exp":1767492000,"jti":"0b6f2d4e-3c1a-4f8e-9d2b-7a5c1e0f3b9d"}"#;
        let token = simple(text).expect("read here");
        assert_eq!(Some(token), serde_json::from_str::<Token>(text).ok());
        for other in [
            r#"{"name":"A\"B"}"#,
            r#"{"roles":["a"]}"#,
            r#"{"exp":1.5}"#,
            r#"{"exp":"soon"}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
        ] {
            assert!(simple(other).is_none(), "{other}");
        }
    }
}
