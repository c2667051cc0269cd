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
