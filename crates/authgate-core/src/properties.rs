//! Property tests over the parsers a request reaches (the standing defence CI runs; the
//! fuzz targets in `fuzz/` go deeper): the token codec round-trips arbitrary claims and
//! never panics on arbitrary input, chunked session cookies read back whole, the Cookie
//! header and body parsers take anything, and the redirect check never yields another
//! origin.

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::{cookies::RequestCookies, default_redirect, Token, TokenCodec, TokenFormat};

const SECRET: &str = "property-test-secret-0123456789abcdef";

fn codec() -> TokenCodec {
    TokenCodec::new(TokenFormat::AuthJsV5, &[SECRET], "authjs.session-token").expect("codec")
}

fn claim_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        prop::collection::vec(any::<String>().prop_map(Value::String), 0..4).prop_map(Value::Array),
    ]
}

fn claims() -> impl Strategy<Value = Map<String, Value>> {
    // `exp`/`nbf`/`iat` are checked on decode: arbitrary ones would be rejected (the
    // test adds a valid `exp`).
    prop::collection::btree_map("[a-zA-Z_]{1,12}", claim_value(), 0..12).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "exp" | "nbf" | "iat"))
            .collect()
    })
}

/// How a browser sends back what `session_cookies` set.
fn browser_cookie_header(set: &[HeaderValue]) -> String {
    set.iter()
        .filter_map(|c| c.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn codec_round_trips_arbitrary_claims(mut claims in claims()) {
        // A token must have an `exp` (checked on decode).
        claims.insert("exp".into(), Value::from(crate::time_now() + 3600));
        let codec = codec();
        let token = codec.encode(&claims).expect("encode");
        let back = codec.decode(&token).expect("decode");
        prop_assert_eq!(back, claims);
    }

    /// Reading straight into a `Token` agrees with reading the claims and converting
    /// them (both accept or both refuse, with the same token), and a `Token` written
    /// straight to JSON reads back as itself.
    #[test]
    fn tokens_read_and_write_as_their_claims_do(
        mut claims in claims(),
        standard in prop::collection::btree_map(
            prop::sample::select(vec!["sub", "name", "email", "picture", "jti"]),
            prop_oneof![any::<String>().prop_map(Value::String), Just(Value::Null), any::<i64>().prop_map(Value::from)],
            0..5,
        ),
    ) {
        claims.insert("exp".into(), Value::from(crate::time_now() + 3600));
        for (k, v) in standard {
            claims.insert(k.to_owned(), v);
        }
        let codec = codec();
        let cookie = codec.encode(&claims).expect("encode");
        let via_map = codec.decode(&cookie).and_then(Token::from_claims);
        let direct = codec.decode_token(&cookie);
        prop_assert_eq!(via_map.as_ref().ok(), direct.as_ref().ok());
        if let Ok(token) = direct {
            let again = codec.decode_token(&codec.encode_token(&token).expect("encode")).expect("decode");
            prop_assert_eq!(again, token);
        }
    }

    #[test]
    fn codec_never_panics_on_garbage(input in ".{0,400}", dots in 0usize..6) {
        let mut s = input;
        for _ in 0..dots {
            s.push('.');
        }
        let _ = codec().decode(&s);
    }

    #[test]
    fn chunked_cookies_read_back_whole(value in "[A-Za-z0-9_.-]{1,20000}") {
        let attrs = crate::cookies::CookieAttrs { secure: false };
        let set = crate::cookies::session_cookies(
            "authjs.session-token",
            &value,
            attrs,
            time::OffsetDateTime::UNIX_EPOCH,
            &[],
        );
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, HeaderValue::from_str(&browser_cookie_header(&set)).expect("header"));
        let cookies = RequestCookies::parse(&headers);
        let back = cookies.session_token("authjs.session-token", 1024);
        prop_assert_eq!(back.as_deref(), Some(value.as_str()));
    }

    #[test]
    fn cookie_headers_of_any_bytes_parse(raw in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&raw) {
            headers.insert(http::header::COOKIE, v);
        }
        let cookies = RequestCookies::parse(&headers);
        let _ = cookies.session_token("authjs.session-token", 8);
        prop_assert!(cookies.session_cookie_names("authjs.session-token", 8).len() <= 10);
    }

    #[test]
    fn bodies_of_any_bytes_parse(raw in prop::collection::vec(any::<u8>(), 0..600), json in any::<bool>()) {
        let mut headers = HeaderMap::new();
        let ct = if json { "application/json" } else { "application/x-www-form-urlencoded" };
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        let _ = crate::context::parse_body(&headers, &bytes::Bytes::from(raw));
    }

    #[test]
    fn redirects_never_leave_the_origin(
        prefix in prop::sample::select(vec![
            "", "/", "//", "/\\", "\\\\", "http://", "https://", "javascript:", "%2F%2F",
            "/%2F", "http://localhost:3000", "http://localhost:3000@", "HTTP://", " ",
        ]),
        rest in ".{0,60}",
    ) {
        let base = "http://localhost:3000";
        let url = format!("{prefix}{rest}");
        let out = default_redirect(&url, base);
        let parsed = url::Url::parse(&out).expect("a URL");
        let base_url = url::Url::parse(base).expect("base");
        prop_assert_eq!(parsed.origin(), base_url.origin(), "{:?} -> {:?}", url, out);
        prop_assert!(!out.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\'), "{:?}", out);
    }

    /// The parse-free path of `default_redirect` answers exactly as the full one.
    #[test]
    fn the_plain_redirect_path_agrees_with_the_full_one(
        base in prop::sample::select(vec![
            "http://localhost:3000", "https://app.example", "http://[::1]:8080", "http://a",
            "http://localhost:3000/", "https://App.example", "http://a@b", "ftp://a",
        ]),
        prefix in prop::sample::select(vec![
            "", "/", "//", "/\\", "http://localhost:3000", "https://app.example", "http://a",
            "http://localhost:30001", "http://localhost:3000@", "http://[::1]:8080", "?", "#",
        ]),
        rest in "[ -~]{0,40}",
    ) {
        let url = format!("{prefix}{rest}");
        if let Some(fast) = crate::redirect::plain_same_origin_target(&url, base) {
            prop_assert_eq!(Some(fast), crate::redirect::same_origin_target(&url, base), "{:?} on {:?}", url, base);
        }
    }

    /// The raw session token (the parts the token cache is looked up with) joined is
    /// what the decoding path reads whenever it could equal a cache key: UTF-8 with no
    /// `%` (keys are verified tokens). Otherwise the cache misses and the decoding path
    /// decides alone.
    #[test]
    fn the_raw_session_token_agrees_with_the_decoded_one(
        pairs in prop::collection::vec(
            (
                prop::sample::select(vec!["t", "t.0", "t.1", "t.2", "t.01", "u", "t.3"]),
                prop::collection::vec(prop::sample::select(b"ab%41\xff\"".to_vec()), 0..6),
            ),
            0..8,
        ),
    ) {
        let header: Vec<u8> = pairs
            .iter()
            .flat_map(|(n, v)| [n.as_bytes(), b"=", v.as_slice(), b"; "].concat())
            .collect();
        let Ok(value) = HeaderValue::from_bytes(&header) else { return Ok(()) };
        let cookies = RequestCookies::from_values(std::iter::once(value.as_bytes()));
        if let Some(raw) = cookies.raw_session_token("t", 3) {
            let raw = raw.parts().concat();
            let text = std::str::from_utf8(&raw).ok().filter(|t| !t.contains('%'));
            if let Some(text) = text {
                let decoded = cookies.session_token("t", 3);
                prop_assert_eq!(Some(text), decoded.as_deref());
            }
        }
    }

    /// Cookie values are percent-decoded as the `percent-encoding` crate decodes them.
    #[test]
    fn cookie_percent_decoding_agrees_with_percent_encoding(
        raw in prop::collection::vec(prop::sample::select(b"%%%0123456789abcdefABCDEFgG-_.\xff".to_vec()), 0..80),
    ) {
        if let Some(first) = raw.iter().position(|&b| b == b'%') {
            let expected: Vec<u8> = percent_encoding::percent_decode(&raw).collect();
            prop_assert_eq!(crate::cookies::percent_decode_from(&raw, first), expected);
        }
    }
}
