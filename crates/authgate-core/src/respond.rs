//! Building responses and URLs: the small helpers every route uses.

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};

use crate::cookies::is_session_set_cookie;

/// The `Cache-Control` of a response that sets a session cookie and did not already
/// forbid storing it: no shared cache may hand one user's session to another.
pub(crate) const PRIVATE_NO_STORE: &str = "private, no-store";

/// Whether some `Cache-Control` values forbid storing the response (`no-store`).
pub(crate) fn forbids_storing<'a>(cache_control: impl IntoIterator<Item = &'a [u8]>) -> bool {
    cache_control.into_iter().any(|v| {
        v.split(|&b| b == b',')
            .any(|d| d.trim_ascii().eq_ignore_ascii_case(b"no-store"))
    })
}

/// Whether some `Set-Cookie` values set or clear one of the session cookies.
pub(crate) fn sets_session_cookie<'a>(
    set_cookies: impl IntoIterator<Item = &'a [u8]>,
    session_names: &[&str],
) -> bool {
    set_cookies
        .into_iter()
        .any(|v| session_names.iter().any(|n| is_session_set_cookie(v, n)))
}

/// Adds `Cache-Control: private, no-store` (replacing a weaker one) to a response that
/// sets a session cookie and does not already forbid storing.
pub(crate) fn forbid_storing_sessions(headers: &mut HeaderMap, session_names: &[&str]) {
    let sets = sets_session_cookie(
        headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(HeaderValue::as_bytes),
        session_names,
    );
    let forbidden = forbids_storing(
        headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .map(HeaderValue::as_bytes),
    );
    if sets && !forbidden {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_NO_STORE),
        );
    }
}

/// A response with a status, an optional `Content-Type`, a body and `Set-Cookie` values.
pub(crate) fn respond(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Bytes,
    cookies: Vec<HeaderValue>,
) -> Response<Bytes> {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let headers = res.headers_mut();
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    for c in cookies {
        headers.append(header::SET_COOKIE, c);
    }
    res
}

/// A JSON response.
pub(crate) fn json(
    status: StatusCode,
    body: &impl serde::Serialize,
    cookies: Vec<HeaderValue>,
) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    json_bytes(status, bytes, cookies)
}

/// A JSON response whose body is already written.
pub(crate) fn json_bytes(
    status: StatusCode,
    body: Vec<u8>,
    cookies: Vec<HeaderValue>,
) -> Response<Bytes> {
    respond(status, Some("application/json"), Bytes::from(body), cookies)
}

/// An HTML page; never framed (`X-Frame-Options: DENY`, `frame-ancestors 'none'`: no
/// clickjacking of the sign-in and sign-out forms). The CSP has only `frame-ancestors`,
/// so the pages' forms and redirects work as before.
pub(crate) fn html(status: StatusCode, page: String, cookies: Vec<HeaderValue>) -> Response<Bytes> {
    let mut res = respond(
        status,
        Some("text/html; charset=utf-8"),
        Bytes::from(page),
        cookies,
    );
    let headers = res.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    res
}

/// A 302 to `location` (already a valid header value).
pub(crate) fn found(location: HeaderValue, cookies: Vec<HeaderValue>) -> Response<Bytes> {
    let mut res = respond(StatusCode::FOUND, None, Bytes::new(), cookies);
    res.headers_mut().insert(header::LOCATION, location);
    res
}

/// `Cache-Control: private, no-cache, no-store`, `Pragma: no-cache`, `Expires: 0`.
pub(crate) fn no_store(mut res: Response<Bytes>) -> Response<Bytes> {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::EXPIRES, HeaderValue::from_static("0"));
    res
}

/// 400 `"Bad request."`, as Auth.js v5 answers unknown actions and methods.
pub(crate) fn bad_request() -> Response<Bytes> {
    json(StatusCode::BAD_REQUEST, &"Bad request.", Vec::new())
}

/// `{"error": "<code>"}` with a status.
pub(crate) fn json_error(status: StatusCode, code: &str) -> Response<Bytes> {
    json(status, &serde_json::json!({ "error": code }), Vec::new())
}

/// Appends query parameters (URL-encoded) to a URL.
pub(crate) fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", ser.finish())
}
