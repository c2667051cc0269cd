//! Cookie names, reading the `Cookie` header, writing `Set-Cookie`, and chunking of the
//! session cookie.

use std::borrow::Cow;

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use time::OffsetDateTime;

/// JavaScript's `encodeURIComponent` set: what Auth.js escapes in cookie values.
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

/// The longest session cookie value before it is split in chunks (Auth.js v5:
/// 4096 bytes less 160 for the name and attributes).
pub(crate) const CHUNK_SIZE: usize = 4096 - 160;

/// The names of the cookies authgate reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieNames {
    /// The session token (`authjs.session-token`).
    pub session_token: String,
    /// The CSRF double-submit cookie (`authjs.csrf-token`).
    pub csrf_token: String,
    /// The last validated callback URL (`authjs.callback-url`).
    pub callback_url: String,
    /// The OAuth `state` check (`authjs.state`).
    pub state: String,
    /// The PKCE code verifier (`authjs.pkce.code_verifier`).
    pub pkce: String,
    /// The OIDC `nonce` check (`authjs.nonce`).
    pub nonce: String,
}

impl CookieNames {
    /// The names for a prefix (`authjs` or `next-auth`), with `__Secure-` / `__Host-`
    /// prefixes when `secure`.
    pub fn new(prefix: &str, secure: bool) -> Self {
        let (sec, host) = if secure {
            ("__Secure-", "__Host-")
        } else {
            ("", "")
        };
        Self {
            session_token: format!("{sec}{prefix}.session-token"),
            csrf_token: format!("{host}{prefix}.csrf-token"),
            callback_url: format!("{sec}{prefix}.callback-url"),
            state: format!("{sec}{prefix}.state"),
            pkce: format!("{sec}{prefix}.pkce.code_verifier"),
            nonce: format!("{sec}{prefix}.nonce"),
        }
    }
}

/// The cookies of a request, percent-decoded.
#[derive(Debug, Default)]
pub(crate) struct RequestCookies<'a> {
    pairs: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> RequestCookies<'a> {
    /// Parses every `Cookie` header; malformed pairs are skipped.
    pub(crate) fn parse(headers: &'a HeaderMap) -> Self {
        Self::from_values(headers.get_all(http::header::COOKIE).iter())
    }

    pub(crate) fn from_values(values: impl Iterator<Item = &'a HeaderValue>) -> Self {
        let mut pairs = Vec::new();
        for value in values {
            let Ok(value) = value.to_str() else { continue };
            for pair in value.split(';') {
                let Some((name, raw)) = pair.split_once('=') else {
                    continue;
                };
                let name = name.trim();
                let raw = raw.trim();
                let raw = raw
                    .strip_prefix('"')
                    .and_then(|r| r.strip_suffix('"'))
                    .unwrap_or(raw);
                if name.is_empty() {
                    continue;
                }
                let decoded = if raw.contains('%') {
                    match percent_decode_str(raw).decode_utf8() {
                        Ok(v) => v,
                        Err(_) => continue,
                    }
                } else {
                    Cow::Borrowed(raw)
                };
                pairs.push((name, decoded));
            }
        }
        Self { pairs }
    }

    /// The first cookie of that name.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The session token, whole or reassembled from `<name>.0`, `<name>.1`, ...
    pub(crate) fn session_token(&self, name: &str) -> Option<Cow<'a, str>> {
        if let Some((_, v)) = self.pairs.iter().find(|(n, v)| *n == name && !v.is_empty()) {
            return Some(v.clone());
        }
        let mut chunks: Vec<(usize, &str)> = self
            .pairs
            .iter()
            .filter_map(|(n, v)| Some((chunk_index(n, name)?, v.as_ref())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if chunks.is_empty() {
            return None;
        }
        chunks.sort_by_key(|(i, _)| *i);
        Some(Cow::Owned(chunks.iter().map(|(_, v)| *v).collect()))
    }

    /// Names of every session cookie (whole or chunk) the request carries.
    pub(crate) fn session_cookie_names(&self, name: &str) -> Vec<&'a str> {
        self.pairs
            .iter()
            .filter(|(n, _)| *n == name || chunk_index(n, name).is_some())
            .map(|(n, _)| *n)
            .collect()
    }
}

/// `Some(i)` when `cookie` is `<name>.<i>`.
fn chunk_index(cookie: &str, name: &str) -> Option<usize> {
    cookie.strip_prefix(name)?.strip_prefix('.')?.parse().ok()
}

/// Attributes shared by every cookie authgate sets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CookieAttrs {
    pub(crate) secure: bool,
}

impl CookieAttrs {
    /// `SameSite=Lax`, except for the check cookies of a provider that posts its answer
    /// cross-site (`form_post`): `SameSite=None`, which browsers accept only with
    /// `Secure`, so only on https.
    fn same_site(self, cross_site: bool) -> SameSite {
        if cross_site && self.secure {
            SameSite::None
        } else {
            SameSite::Lax
        }
    }
}

/// Builds a `Set-Cookie` value: `HttpOnly; SameSite=Lax; Path=/`, `Secure` on https,
/// the value percent-encoded as Auth.js does.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    attrs: CookieAttrs,
    expires: Option<OffsetDateTime>,
) -> HeaderValue {
    set_cookie_with(name, value, attrs, expires, false)
}

/// As [`set_cookie`]; `cross_site` makes it `SameSite=None` on https (check cookies of a
/// `form_post` provider).
pub(crate) fn set_cookie_with(
    name: &str,
    value: &str,
    attrs: CookieAttrs,
    expires: Option<OffsetDateTime>,
    cross_site: bool,
) -> HeaderValue {
    let encoded = utf8_percent_encode(value, URI_COMPONENT).to_string();
    let mut cookie = Cookie::build((name, encoded))
        .http_only(true)
        .same_site(attrs.same_site(cross_site))
        .path("/")
        .secure(attrs.secure)
        .build();
    if let Some(at) = expires {
        cookie.set_expires(at);
    }
    header(&cookie)
}

/// A `Set-Cookie` value that deletes `name` (empty value, `Max-Age=0`).
pub(crate) fn clear_cookie(name: &str, attrs: CookieAttrs) -> HeaderValue {
    clear_cookie_with(name, attrs, false)
}

/// As [`clear_cookie`], with the `SameSite` of [`set_cookie_with`].
pub(crate) fn clear_cookie_with(name: &str, attrs: CookieAttrs, cross_site: bool) -> HeaderValue {
    let cookie = Cookie::build((name, ""))
        .http_only(true)
        .same_site(attrs.same_site(cross_site))
        .path("/")
        .secure(attrs.secure)
        .max_age(time::Duration::ZERO)
        .build();
    header(&cookie)
}

fn header(cookie: &Cookie<'_>) -> HeaderValue {
    // Names are ours and values are percent-encoded, so the header is always visible
    // ASCII; an impossible failure degrades to an empty (ignored) header.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` headers that store `value` as the session token, split in chunks when
/// longer than [`CHUNK_SIZE`], and clear every session cookie of the request that is not
/// rewritten.
pub(crate) fn session_cookies(
    name: &str,
    value: &str,
    attrs: CookieAttrs,
    expires: OffsetDateTime,
    existing: &[&str],
) -> Vec<HeaderValue> {
    let mut out = Vec::new();
    let mut written: Vec<String> = Vec::new();
    if value.len() <= CHUNK_SIZE {
        out.push(set_cookie(name, value, attrs, Some(expires)));
        written.push(name.to_owned());
    } else {
        // JWE values are ASCII, so byte chunks are char chunks.
        for (i, chunk) in value.as_bytes().chunks(CHUNK_SIZE).enumerate() {
            let chunk_name = format!("{name}.{i}");
            let chunk = std::str::from_utf8(chunk).unwrap_or_default();
            out.push(set_cookie(&chunk_name, chunk, attrs, Some(expires)));
            written.push(chunk_name);
        }
    }
    for stale in existing {
        if !written.iter().any(|w| w == stale) {
            out.push(clear_cookie(stale, attrs));
        }
    }
    out
}

/// `Set-Cookie` headers that clear every session cookie the request carries.
pub(crate) fn clear_session_cookies(existing: &[&str], attrs: CookieAttrs) -> Vec<HeaderValue> {
    existing.iter().map(|n| clear_cookie(n, attrs)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, HeaderValue::from_static(cookie));
        h
    }

    #[test]
    fn parses_and_decodes() {
        let h = headers("a=1; authjs.csrf-token=abc%7Cdef; b=\"q\"");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.get("authjs.csrf-token"), Some("abc|def"));
        assert_eq!(c.get("b"), Some("q"));
        assert_eq!(c.get("nope"), None);
    }

    #[test]
    fn reassembles_chunks_in_order() {
        let h = headers("s.1=bb; s.0=aa; s.2=cc; s.x=zz; sx=no");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_token("s").as_deref(), Some("aabbcc"));
        let mut names = c.session_cookie_names("s");
        names.sort_unstable();
        assert_eq!(names, ["s.0", "s.1", "s.2"]);
    }

    #[test]
    fn chunking_clears_stale() {
        let attrs = CookieAttrs { secure: false };
        let long = "x".repeat(CHUNK_SIZE * 2 + 10);
        let out = session_cookies("s", &long, attrs, OffsetDateTime::now_utc(), &["s"]);
        assert_eq!(out.len(), 4);
        let last = out[3].to_str().unwrap();
        assert!(last.starts_with("s=;"), "{last}");
        assert!(last.contains("Max-Age=0"));
        let out = session_cookies(
            "s",
            "short",
            attrs,
            OffsetDateTime::now_utc(),
            &["s.0", "s.1"],
        );
        assert_eq!(out.len(), 3);
        let first = out[0].to_str().unwrap();
        assert!(first.starts_with("s=short;"));
        assert!(
            first.contains("HttpOnly")
                && first.contains("SameSite=Lax")
                && first.contains("Path=/")
        );
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        let v = set_cookie("c", "a|b:c/d", CookieAttrs { secure: true }, None);
        let v = v.to_str().unwrap();
        assert!(v.starts_with("c=a%7Cb%3Ac%2Fd;"), "{v}");
        assert!(v.contains("Secure"));
    }
}
