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
/// value="...">`), as written (still HTML-escaped).
pub fn hidden_input(body: &str, name: &str) -> Option<String> {
    let needle = format!(r#"name="{name}" value=""#);
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    mod old {
        pub(super) fn http_date(s: &str) -> Option<i64> {
            let mut it = s.split_whitespace();
            let _weekday = it.next()?;
            let day: i64 = it.next()?.parse().ok()?;
            let month = match it.next()? {
                "Jan" => 1,
                "Feb" => 2,
                "Mar" => 3,
                "Apr" => 4,
                "May" => 5,
                "Jun" => 6,
                "Jul" => 7,
                "Aug" => 8,
                "Sep" => 9,
                "Oct" => 10,
                "Nov" => 11,
                "Dec" => 12,
                _ => return None,
            };
            let year: i64 = it.next()?.parse().ok()?;
            let mut hms = it.next()?.split(':').map(|p| p.parse::<i64>().ok());
            let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
            if it.next()? != "GMT" {
                return None;
            }
            let y = if month <= 2 { year - 1 } else { year };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (month + 9) % 12;
            let doy = (153 * mp + 2) / 5 + day - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            Some(days * 86_400 + h * 3600 + m * 60 + sec)
        }

        pub(super) fn iso_date(s: &str) -> Option<i64> {
            let s = s.strip_suffix(".000Z")?;
            let (date, time) = s.split_once('T')?;
            let mut d = date.split('-');
            let (y, m, day) = (d.next()?, d.next()?, d.next()?);
            let months = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let month = months.get(m.parse::<usize>().ok()?.checked_sub(1)?)?;
            http_date(&format!("Xxx, {day} {month} {y} {time} GMT"))
        }

        pub(super) fn b64url(bytes: &[u8]) -> String {
            const ALPHABET: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
            for chunk in bytes.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                let chars = chunk.len() + 1;
                for i in 0..chars {
                    let idx = (n >> (18 - 6 * i)) & 63;
                    out.push(char::from(ALPHABET[idx as usize]));
                }
            }
            out
        }

        pub(super) fn b64url_decode(s: &str) -> Option<Vec<u8>> {
            let mut bits = 0u32;
            let mut nbits = 0;
            let mut out = Vec::new();
            for c in s.bytes() {
                let v = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'-' => 62,
                    b'_' => 63,
                    _ => return None,
                };
                bits = (bits << 6) | u32::from(v);
                nbits += 6;
                if nbits >= 8 {
                    nbits -= 8;
                    out.push(((bits >> nbits) & 0xff) as u8);
                }
            }
            Some(out)
        }

        pub(super) fn encode_uri_component(s: &str) -> String {
            let mut out = String::new();
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }

        pub(super) fn form_encode(s: &str) -> String {
            let mut out = String::new();
            for b in s.bytes() {
                match b {
                    b' ' => out.push('+'),
                    b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => {
                        out.push(char::from(b))
                    }
                    b => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        }
    }

    const HTTP_DATES: &[&str] = &[
        "Wed, 21 Oct 2026 07:28:00 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Tue, 29 Feb 2028 23:59:59 GMT",
        "Sun, 09 Sep 2001 01:46:40 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Mon, 01 Mar 2100 12:00:00 GMT",
    ];

    const ISO_DATES: &[&str] = &[
        "2026-12-24T10:00:00.000Z",
        "1970-01-01T00:00:00.000Z",
        "2028-02-29T23:59:59.000Z",
        "2001-09-09T01:46:40.000Z",
        "2100-03-01T12:00:00.000Z",
    ];

    const BAD_DATES: &[&str] = &[
        "",
        "Wed, 21 Oct 2026 07:28:00",
        "Wed, 21 Foo 2026 07:28:00 GMT",
        "Wed, 21 Oct 2026 07:28 GMT",
        "Wed, 21 Oct 2026 07:28:00 UTC",
        "2026-12-24T10:00:00Z",
        "2026-13-24T10:00:00.000Z",
        "2026-12-24 10:00:00.000Z",
    ];

    const TEXTS: &[&str] = &[
        "",
        "plain",
        "a b+c&d=e/f?g#h",
        "http://127.0.0.1:3000/dashboard?tab=2&x=y",
        "-_.!~*'()",
        "%41 é ü 日本 🦀",
        "\"<script>\"\t\r\n;,@$[]{}|\\^`",
    ];

    const BYTES: &[&[u8]] = &[
        b"",
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        b"foobar",
        b"\xff\xfe\xfd\x00\x01\x3e\x3f",
        br#"{"alg":"dir","enc":"A256CBC-HS512","kid":"x"}"#,
    ];

    #[test]
    fn dates_match_the_hand_rolled_parsers() {
        for s in HTTP_DATES {
            assert_eq!(http_date(s), old::http_date(s), "{s}");
            println!("http {s} => {:?}", http_date(s));
        }
        for s in ISO_DATES {
            assert_eq!(iso_date(s), old::iso_date(s), "{s}");
            println!("iso {s} => {:?}", iso_date(s));
        }
        for s in BAD_DATES {
            assert_eq!(http_date(s), None, "{s}");
            assert_eq!(iso_date(s), None, "{s}");
            println!(
                "bad {s} => old {:?} {:?}",
                old::http_date(s),
                old::iso_date(s)
            );
        }
    }

    #[test]
    fn encoders_match_the_hand_rolled_ones() {
        for s in TEXTS {
            assert_eq!(encode_uri_component(s), old::encode_uri_component(s), "{s}");
            assert_eq!(form_encode(s), old::form_encode(s), "{s}");
            println!("uri {s:?} => {:?}", encode_uri_component(s));
            println!("form {s:?} => {:?}", form_encode(s));
        }
        for b in BYTES {
            let e = b64url(b);
            assert_eq!(e, old::b64url(b), "{b:?}");
            assert_eq!(b64url_decode(&e), old::b64url_decode(&e), "{e}");
            assert_eq!(b64url_decode(&e).as_deref(), Some(*b), "{e}");
            println!("b64 {b:?} => {e:?}");
        }
        for bad in ["a+b", "a/b", "ab==", "a b"] {
            assert_eq!(b64url_decode(bad), None, "{bad}");
            assert_eq!(old::b64url_decode(bad), None, "{bad}");
        }
    }
}
