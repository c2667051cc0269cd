//! Flat JSON objects read without serde_json's machinery: one object whose keys and
//! string values have no escapes and whose values are strings, integers, `true`,
//! `false` or `null`. That is what authgate and Auth.js write for a session token's
//! claims, and what an adapter writes for its records. Anything else (an escape, a
//! nested object or array, a fraction or exponent, a number over 18 digits, a syntax
//! error) is left to serde_json: [`flat_object`] answers `None` and the caller parses
//! the text as before. Readers built on it never accept what serde_json refuses, and
//! give the same value for what they accept (each is property-tested against it).

/// A member's value in a flat JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlatValue<'a> {
    /// A string with no escapes (its text between the quotes).
    Str(&'a str),
    /// An integer: `0` or `-?[1-9][0-9]{0,17}`.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl From<FlatValue<'_>> for serde_json::Value {
    /// The value as serde_json reads it.
    fn from(value: FlatValue<'_>) -> Self {
        match value {
            FlatValue::Str(s) => Self::from(s),
            FlatValue::Int(n) => Self::from(n),
            FlatValue::Bool(b) => Self::Bool(b),
            FlatValue::Null => Self::Null,
        }
    }
}

/// Reads `text` as one flat JSON object (see the module doc), calling `member` with
/// each member in order, a repeated name as often as it comes (serde_json keeps the
/// last in a map; serde's derived structs refuse it). `None` when `text` is anything
/// else, or as soon as `member` answers `None` (a reader that wants serde_json to
/// decide).
///
/// For adapters that store records as JSON text: read the usual record with this and
/// anything else with serde_json.
///
/// ```
/// use authgate_core::adapter::{flat_object, FlatValue};
/// let mut id = None;
/// let read = flat_object(r#"{"id":"42","n":7,"gone":null}"#, |key, value| {
///     if let ("id", FlatValue::Str(s)) = (key, value) {
///         id = Some(s);
///     }
///     Some(())
/// });
/// assert_eq!((read, id), (Some(()), Some("42")));
/// assert_eq!(flat_object(r#"{"id":"4\"2"}"#, |_, _| Some(())), None);
/// assert_eq!(flat_object(r#"{"n":[1]}"#, |_, _| Some(())), None);
/// ```
pub fn flat_object<'a>(
    text: &'a str,
    mut member: impl FnMut(&'a str, FlatValue<'a>) -> Option<()>,
) -> Option<()> {
    let mut p = Parser { text, at: 0 };
    p.skip_ws();
    p.eat(b'{')?;
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
            member(key, value)?;
            p.skip_ws();
            match p.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.skip_ws();
    (p.at == text.len()).then_some(())
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

    fn scalar(&mut self) -> Option<FlatValue<'a>> {
        match self.peek()? {
            b'"' => self.string().map(FlatValue::Str),
            b't' => self.literal(b"true").map(|()| FlatValue::Bool(true)),
            b'f' => self.literal(b"false").map(|()| FlatValue::Bool(false)),
            b'n' => self.literal(b"null").map(|()| FlatValue::Null),
            b'-' | b'0'..=b'9' => self.integer().map(FlatValue::Int),
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
    use serde_json::{Map, Value};

    use super::*;

    /// Members as serde_json reads them: last of a repeated name wins.
    fn members(text: &str) -> Option<Map<String, Value>> {
        let mut map = Map::new();
        flat_object(text, |key, value| {
            map.insert(key.to_owned(), Value::from(value));
            Some(())
        })?;
        Some(map)
    }

    /// Text that is often a flat object and often just not one.
    fn text() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            r#""[a-z0-9 :.@-]{0,12}""#.boxed(),
            // An escape, or a tab JSON does not allow unescaped.
            r#""[a-z]{0,3}(\\\\|\\"|\\u0041|\t)[a-z]{0,3}""#.boxed(),
            "-?[0-9]{1,20}".boxed(),
            r"-?[0-9]{1,3}(\.[0-9]|e[0-9])".boxed(),
            prop::sample::select(vec![
                "true", "false", "null", "-0", "00", "[]", "{}", "nul", "\"x"
            ])
            .prop_map(str::to_owned)
            .boxed(),
        ];
        let member = (
            "[a-z_]{0,6}",
            value,
            prop::sample::select(vec!["", " ", "\n\t"]),
        )
            .prop_map(|(k, v, ws)| format!("{ws}\"{k}\"{ws}:{ws}{v}{ws}"));
        (
            prop::collection::vec(member, 0..6),
            prop::sample::select(vec!["", " ", ",", "}", "x"]),
        )
            .prop_map(|(members, tail)| format!("{{{}}}{tail}", members.join(",")))
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


        /// Whatever is read here, serde_json reads as the same object.
        #[test]
        fn agrees_with_serde_json(text in text()) {
            if let Some(fast) = members(&text) {
                let slow: Map<String, Value> = serde_json::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("{text:?}: serde_json refused: {e}")))?;
                prop_assert_eq!(fast, slow, "{:?}", text);
            }
        }
    }

    #[test]
    fn a_usual_record_is_read_here() {
        let text = r#" {"id":"1", "name":null,"n":-42,"ok":true,"z":0} "#;
        let map = members(text).expect("flat");
        assert_eq!(Some(map), serde_json::from_str(text).ok());
        assert_eq!(members("{}"), Some(Map::new()));
        for other in [
            r#"{"a":"\u0041"}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1,}"#,
            r#"{"a":1}x"#,
            "[]",
            "",
        ] {
            assert_eq!(members(other), None, "{other}");
        }
    }
}
