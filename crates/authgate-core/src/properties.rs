//! Property tests over the parsers a request reaches (the standing defence CI runs; the
//! fuzz targets in `fuzz/` go deeper): the token codec round-trips arbitrary claims and
//! never panics on arbitrary input, chunked session cookies read back whole, the Cookie
//! header and body parsers take anything, and the redirect check never yields another
//! origin.

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::{cookies::RequestCookies, default_redirect, TokenCodec, TokenFormat};

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
}
