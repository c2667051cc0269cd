//! Conversions between actix-web's `http` 0.2 types and the engine's `http` 1 types.

use actix_web::{
    dev::ServiceRequest,
    http::{header::HeaderMap as ActixHeaders, StatusCode},
    HttpResponse,
};
use bytes::Bytes;

/// The request headers the session and guards need.
pub(crate) const SESSION_HEADERS: &[&str] = &[
    "cookie",
    "host",
    "accept",
    "x-forwarded-host",
    "x-forwarded-proto",
];

/// The request headers a request's origin comes from (without a canonical URL).
pub(crate) const ORIGIN_HEADERS: &[&str] = &["host", "x-forwarded-host", "x-forwarded-proto"];

/// Some request headers, as an `http` 1 map.
pub(crate) fn session_headers(headers: &ActixHeaders, names: &[&'static str]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for &name in names {
        for value in headers.get_all(name) {
            if let Some(v) = to_http_value(value) {
                map.append(name, v);
            }
        }
    }
    map
}

/// The whole request as an `http` 1 request with its body; `None` when a part does not
/// convert (a malformed header the engine would reject anyway).
pub(crate) fn request(req: &ServiceRequest, body: Bytes) -> Option<http::Request<Bytes>> {
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(uri(req)?);
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    // The peer address, for per-IP rate limits.
    if let Some(addr) = req.peer_addr() {
        builder = builder.extension(authgate_core::rate_limit::PeerAddr(addr));
    }
    builder.body(body).ok()
}

/// The request URI as an `http` 1 URI.
pub(crate) fn uri(req: &ServiceRequest) -> Option<http::Uri> {
    req.uri().to_string().parse().ok()
}

/// An actix header value as an `http` 1 value.
pub(crate) fn to_http_value(
    value: &actix_web::http::header::HeaderValue,
) -> Option<http::HeaderValue> {
    http::HeaderValue::from_bytes(value.as_bytes()).ok()
}

/// An engine response as an actix response.
pub(crate) fn response(res: http::Response<Bytes>) -> HttpResponse {
    let status =
        StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in res.headers() {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(res.into_body())
}

/// A `Set-Cookie` (or any) `http` 1 value as an actix value.
pub(crate) fn header_value(
    value: &http::HeaderValue,
) -> Option<actix_web::http::header::HeaderValue> {
    actix_web::http::header::HeaderValue::from_bytes(value.as_bytes()).ok()
}
