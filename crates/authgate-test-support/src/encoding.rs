//! Dates, base64url and URL encoders, as browsers and Auth.js write them.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use time::{macros::format_description, PrimitiveDateTime};

/// What JavaScript's `encodeURIComponent` escapes: everything but ASCII letters, digits
/// and `-_.!~*'()`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Parses an IMF-fixdate (`Wed, 21 Oct 2026 07:28:00 GMT`) to unix seconds.
pub fn http_date(s: &str) -> Option<i64> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = PrimitiveDateTime::parse(s, format).ok()?;
    Some(date.assume_utc().unix_timestamp())
}

/// Parses `2026-12-24T10:00:00.000Z` (JavaScript's `toISOString`) to unix seconds.
pub fn iso_date(s: &str) -> Option<i64> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000Z");
    let date = PrimitiveDateTime::parse(s, format).ok()?;
    Some(date.assume_utc().unix_timestamp())
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Unpadded base64url.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url (`None` when it is not).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    utf8_percent_encode(s, URI_COMPONENT).to_string()
}

/// `application/x-www-form-urlencoded` encoding of one value (as a form or
/// `URLSearchParams` writes it).
pub fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The value of a hidden input of an HTML page (`<input type="hidden" name="{name}"
/// value="...">`), its character references decoded (as a browser posts it).
pub fn hidden_input(body: &str, name: &str) -> Option<String> {
    let needle = format!(r#"name="{name}" value=""#);
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')?;
    // As a browser posts it: character references decoded.
    Some(html_escape::decode_html_entities(&body[start..start + end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The expected values are those of the hand-rolled versions these functions replace
    // (checked against them when they were replaced).

    #[test]
    fn http_dates() {
        for (s, want) in [
            ("Wed, 21 Oct 2026 07:28:00 GMT", 1_792_567_680),
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Tue, 29 Feb 2028 23:59:59 GMT", 1_835_481_599),
            ("Sun, 09 Sep 2001 01:46:40 GMT", 1_000_000_000),
            ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799),
            ("Mon, 01 Mar 2100 12:00:00 GMT", 4_107_585_600),
        ] {
            assert_eq!(http_date(s), Some(want), "{s}");
        }
    }

    #[test]
    fn iso_dates() {
        for (s, want) in [
            ("2026-12-24T10:00:00.000Z", 1_798_106_400),
            ("1970-01-01T00:00:00.000Z", 0),
            ("2028-02-29T23:59:59.000Z", 1_835_481_599),
            ("2001-09-09T01:46:40.000Z", 1_000_000_000),
            ("2100-03-01T12:00:00.000Z", 4_107_585_600),
        ] {
            assert_eq!(iso_date(s), Some(want), "{s}");
        }
    }

    #[test]
    fn bad_dates() {
        for s in [
            "",
            "Wed, 21 Oct 2026 07:28:00",
            "Wed, 21 Foo 2026 07:28:00 GMT",
            "Wed, 21 Oct 2026 07:28 GMT",
            "Wed, 21 Oct 2026 07:28:00 UTC",
            "2026-12-24T10:00:00Z",
            "2026-13-24T10:00:00.000Z",
            "2026-12-24 10:00:00.000Z",
        ] {
            assert_eq!(http_date(s), None, "{s}");
            assert_eq!(iso_date(s), None, "{s}");
        }
    }

    #[test]
    fn uri_component_and_form_encoding() {
        for (s, uri, form) in [
            ("", "", ""),
            ("plain", "plain", "plain"),
            (
                "a b+c&d=e/f?g#h",
                "a%20b%2Bc%26d%3De%2Ff%3Fg%23h",
                "a+b%2Bc%26d%3De%2Ff%3Fg%23h",
            ),
            (
                "http://127.0.0.1:3000/dashboard?tab=2&x=y",
                "http%3A%2F%2F127.0.0.1%3A3000%2Fdashboard%3Ftab%3D2%26x%3Dy",
                "http%3A%2F%2F127.0.0.1%3A3000%2Fdashboard%3Ftab%3D2%26x%3Dy",
            ),
            ("-_.!~*'()", "-_.!~*'()", "-_.%21%7E*%27%28%29"),
            (
                "%41 é ü 日本 🦀",
                "%2541%20%C3%A9%20%C3%BC%20%E6%97%A5%E6%9C%AC%20%F0%9F%A6%80",
                "%2541+%C3%A9+%C3%BC+%E6%97%A5%E6%9C%AC+%F0%9F%A6%80",
            ),
            (
                "\"<script>\"\t\r\n;,@$[]{}|\\^`",
                "%22%3Cscript%3E%22%09%0D%0A%3B%2C%40%24%5B%5D%7B%7D%7C%5C%5E%60",
                "%22%3Cscript%3E%22%09%0D%0A%3B%2C%40%24%5B%5D%7B%7D%7C%5C%5E%60",
            ),
        ] {
            assert_eq!(encode_uri_component(s), uri, "{s:?}");
            assert_eq!(form_encode(s), form, "{s:?}");
        }
    }

    #[test]
    fn base64url_round_trip() {
        for (bytes, encoded) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (b"\xff\xfe\xfd\x00\x01\x3e\x3f", "__79AAE-Pw"),
            (
                br#"{"alg":"dir","enc":"A256CBC-HS512","kid":"x"}"#,
                "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoieCJ9",
            ),
        ] {
            assert_eq!(b64url(bytes), encoded, "{bytes:?}");
            assert_eq!(b64url_decode(encoded).as_deref(), Some(bytes), "{encoded}");
        }
        for bad in ["a+b", "a/b", "ab==", "a b"] {
            assert_eq!(b64url_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn hidden_inputs() {
        let page = r#"<input type="hidden" name="csrfToken" value="abc|def"/><input type="hidden" name="callbackUrl" value="/x?a=1&amp;b=2"/>"#;
        assert_eq!(hidden_input(page, "csrfToken").as_deref(), Some("abc|def"));
        assert_eq!(
            hidden_input(page, "callbackUrl").as_deref(),
            Some("/x?a=1&b=2")
        );
        assert_eq!(hidden_input(page, "other"), None);
    }
}
