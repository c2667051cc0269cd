//! The body limit of auth routes: integrations read at most
//! [`crate::AuthConfig::max_body_bytes`] and answer 413 above it.

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::{respond::json, Auth};

/// Whether a declared `Content-Length` is above the limit, so an integration can answer
/// 413 before reading anything.
pub fn declares_too_large(auth: &Auth, content_length: Option<&[u8]>) -> bool {
    content_length
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > auth.config().max_body_bytes() as u64)
}

/// 413 `"Payload too large."` for an auth request whose body is above the limit
/// (logged).
pub fn payload_too_large(auth: &Auth) -> Response<Bytes> {
    tracing::warn!(
        limit = auth.config().max_body_bytes(),
        "auth request body too large"
    );
    json(
        StatusCode::PAYLOAD_TOO_LARGE,
        &"Payload too large.",
        Vec::new(),
    )
}
