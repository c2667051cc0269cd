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

/// The payload as a `Token`, or `None` to leave it to serde_json.
pub(super) fn simple(text: &str) -> Option<Token> {
    let mut p = Parser { text, at: 0 };
    p.skip_ws();
    p.eat(b'{')?;
    let mut token = Token::default();
    p.skip_ws();
    if p.peek() == Some(b'}') {
        p.at += 1;
    } else {
        loop {
            p.skip_ws();
            let key = p.string()?;
            p.skip_ws();
            p.eat(b':')?;
            p.skip_ws();
            let value = p.scalar()?;
            assign(&mut token, key, value)?;
            p.skip_ws();
            match p.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.skip_ws();
    (p.at == text.len()).then_some(token)
}

/// A value this path reads.
enum Scalar<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    Null,
}

/// Sets a claim as the `Token` deserializer does: a standard claim takes a string (or
/// an integer for `iat` and `exp`), `null` leaves it absent, the last of a repeated
/// name wins; any other name goes into `extra`. `None` for a standard claim of
/// another type (serde_json then refuses the payload).
fn assign(token: &mut Token, key: &str, value: Scalar<'_>) -> Option<()> {
    fn text(value: Scalar<'_>) -> Option<Option<String>> {
        match value {
            Scalar::Str(s) => Some(Some(s.to_owned())),
            Scalar::Null => Some(None),
            _ => None,
        }
    }
    fn int(value: Scalar<'_>) -> Option<Option<i64>> {
        match value {
            Scalar::Int(n) => Some(Some(n)),
            Scalar::Null => Some(None),
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
            let value = match value {
                Scalar::Str(s) => Value::String(s.to_owned()),
                Scalar::Int(n) => Value::from(n),
                Scalar::Bool(b) => Value::Bool(b),
                Scalar::Null => Value::Null,
            };
            token.extra.insert(key.to_owned(), value);
        }
    }
    Some(())
}

/// The index of the first byte of `bytes` that ends a plain JSON string: `"`, `\\` or
/// a control character (< 0x20), eight bytes at a time; `None` if there is none.
///
/// For each of the three tests, `(x - 0x01..01 * n) & !x & 0x80..80` marks the bytes of
/// `x` below `n` (with `x` the word, or the word XOR a repeated byte, for which `n = 1`
/// finds the zero bytes). A borrow can mark a byte wrongly only above one rightly
/// marked, so the lowest mark of the three is the first such byte.
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn below(x: u64, n: u8) -> u64 {
        x.wrapping_sub(ONES * n as u64) & !x & HIGH
    }
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in words.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let marks = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = words.remainder();
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON whitespace.
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string with no escape and no control character (which JSON does not allow
    /// unescaped); `None` for any other.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes().get(start..)?;
        let len = special(rest)?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are ASCII quotes: char boundaries of the (UTF-8) text.
        self.text.get(start..start + len)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes().get(self.at..end)? == word).then_some(())?;
        self.at = end;
        Some(())
    }

    fn scalar(&mut self) -> Option<Scalar<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Scalar::Str),
            b't' => self.literal(b"true").map(|()| Scalar::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Scalar::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Scalar::Null),
            b'-' | b'0'..=b'9' => self.integer().map(Scalar::Int),
            _ => None,
        }
    }

    /// `0` or `-?[1-9][0-9]{0,17}` (always an `i64`), not followed by a fraction,
    /// an exponent or more digits; `None` for any other number (`-0` included).
    fn integer(&mut self) -> Option<i64> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut n: i64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if self.at - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(d - b'0');
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = self.bytes().get(start) == Some(&b'0');
        if digits == 0 || (leading_zero && (digits > 1 || negative)) {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(if negative { -n } else { n })
    }
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

        /// The word-at-a-time scan finds what a byte loop finds, wherever it is.
        #[test]
        fn special_finds_the_first_string_end(
            bytes in prop::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..=0xff, Just(0x7f), Just(0xdc)],
                0..40,
            ),
            plain in 0usize..40,
        ) {
            // A run of plain bytes first, so the end falls in every word position.
            let mut text = vec![b'a'; plain];
            text.extend(bytes);
            let naive = text.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(special(&text), naive);
        }

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
