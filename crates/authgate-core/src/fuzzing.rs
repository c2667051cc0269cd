//! Entry points for the fuzz targets (`fuzz/`), over the parsers a request reaches:
//! the `Cookie` header with chunk reassembly, request bodies and queries. Feature
//! `fuzzing`; not part of the API.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

use crate::cookies::RequestCookies;

/// Parses `Cookie` header values and reassembles a session token from chunks (at most
/// `max_chunks`); returns the token and the names a clearing answer would clear.
pub fn cookie_header(values: &[&[u8]], name: &str, max_chunks: usize) -> (Option<String>, usize) {
    let mut headers = HeaderMap::new();
    for v in values {
        if let Ok(value) = HeaderValue::from_bytes(v) {
            headers.append(http::header::COOKIE, value);
        }
    }
    let cookies = RequestCookies::parse(&headers);
    let token = cookies
        .session_token(name, max_chunks)
        .map(std::borrow::Cow::into_owned);
    let cleared = cookies.session_cookie_names(name, max_chunks).len();
    // Every chunk name is cleared at most once: bounded by max_chunks + 2.
    assert!(cleared <= max_chunks + 2, "{cleared} names to clear");
    (token, cleared)
}

/// Parses a body with a content type (form or JSON), and a query string.
pub fn body_and_query(content_type: &str, body: &[u8], query: &str) -> usize {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(http::header::CONTENT_TYPE, v);
    }
    let parsed = crate::context::parse_body(&headers, &Bytes::copy_from_slice(body));
    parsed.len() + crate::context::parse_query(Some(query)).len()
}

/// The session cookies of a token value (chunked like Auth.js) and the token read back
/// from them as a browser would send them.
pub fn chunk_round_trip(name: &str, value: &str) -> Option<String> {
    let attrs = crate::cookies::CookieAttrs { secure: false };
    let set =
        crate::cookies::session_cookies(name, value, attrs, time::OffsetDateTime::UNIX_EPOCH, &[]);
    let pairs: Vec<String> = set
        .iter()
        .filter_map(|c| c.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .map(str::to_owned)
        .collect();
    let header = pairs.join("; ");
    let mut headers = HeaderMap::new();
    headers.insert(http::header::COOKIE, HeaderValue::from_str(&header).ok()?);
    let cookies = RequestCookies::parse(&headers);
    cookies
        .session_token(name, 1024)
        .map(std::borrow::Cow::into_owned)
}
