//! Cookie names, reading the `Cookie` header, writing `Set-Cookie`, and chunking of the
//! session cookie.

use std::borrow::Cow;

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
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

/// Whether `encodeURIComponent` (and [`URI_COMPONENT`]) keeps this byte as it is.
fn kept_in_cookie_values(b: u8) -> bool {
    KEPT[usize::from(b)]
}

/// [`kept_in_cookie_values`] as a table (one load per byte of a scanned value).
const KEPT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        b += 1;
    }
    table
};

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

/// The cookies of a request. Values are percent-decoded when read, not when parsed: an
/// app route reads only the session cookie, whatever else the browser sends.
#[derive(Debug, Default)]
pub(crate) struct RequestCookies<'a> {
    /// Names and raw values (trimmed, quotes removed), as bytes: names are compared
    /// with authgate's own (UTF-8) names, so one that is not UTF-8 never matches.
    pairs: Vec<(&'a [u8], &'a [u8])>,
}

/// A session token's raw cookie bytes: one cookie, or its chunks in order.
#[derive(Debug)]
pub(crate) enum RawToken<'a> {
    /// The whole token in one cookie.
    Whole(&'a [u8]),
    /// The chunks `<name>.0`, `<name>.1`, ... (at least one).
    Chunks(Vec<&'a [u8]>),
}

impl<'a> RawToken<'a> {
    /// The parts, in order (one for a whole cookie).
    pub(crate) fn parts(&self) -> &[&'a [u8]] {
        match self {
            Self::Whole(raw) => std::slice::from_ref(raw),
            Self::Chunks(chunks) => chunks,
        }
    }

    /// The length of the parts together.
    pub(crate) fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }
}

impl<'a> RequestCookies<'a> {
    /// Parses every `Cookie` header; malformed pairs are skipped.
    pub(crate) fn parse(headers: &'a HeaderMap) -> Self {
        Self::from_values(
            headers
                .get_all(http::header::COOKIE)
                .iter()
                .map(HeaderValue::as_bytes),
        )
    }

    /// Splits `Cookie` header values pair by pair, as bytes: a pair whose name is not
    /// UTF-8 never matches a name authgate reads, the others are kept (browsers send raw
    /// UTF-8 set by `document.cookie`); a value that does not decode to UTF-8 is skipped
    /// when read.
    pub(crate) fn from_values(values: impl Iterator<Item = &'a [u8]>) -> Self {
        // A browser usually holds the session, CSRF and callback-url cookies, and more.
        let mut pairs = Vec::with_capacity(8);
        for bytes in values {
            // memchr: a long session cookie is scanned a word at a time, not per byte.
            let mut start = 0;
            for end in memchr::memchr_iter(b';', bytes).chain(std::iter::once(bytes.len())) {
                if let Some(parsed) = split_pair(&bytes[start..end]) {
                    pairs.push(parsed);
                }
                start = end + 1;
            }
        }
        Self { pairs }
    }

    /// The values of the cookies of that name that decode, in order.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Cow<'a, str>> + 's {
        self.pairs
            .iter()
            .filter(move |(n, _)| *n == name.as_bytes())
            .filter_map(|(_, raw)| decode_value(raw))
    }

    /// The first cookie of that name (whose value decodes).
    pub(crate) fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.values(name).next()
    }

    /// The session token's raw bytes as the request holds them: the first non-empty
    /// cookie of that name, or else its contiguous chunks (at most `max_chunks`), in
    /// order and not joined. Nothing is decoded or copied: this is what the token cache
    /// is looked up with, and a cached key is always a verified token, which has no
    /// `%`, so raw bytes equal to one are the token itself. Anything else (a miss, a
    /// `%`) goes through [`RequestCookies::session_token`].
    pub(crate) fn raw_session_token(&self, name: &str, max_chunks: usize) -> Option<RawToken<'a>> {
        let first_non_empty = |wanted: &[u8]| {
            self.pairs
                .iter()
                .find(|(n, raw)| *n == wanted && !raw.is_empty())
                .map(|(_, raw)| *raw)
        };
        if let Some(raw) = first_non_empty(name.as_bytes()) {
            return Some(RawToken::Whole(raw));
        }
        // No session cookie at all (a signed-out request): nothing to build names for.
        let named_like_a_chunk = |n: &[u8]| n.len() > name.len() && n.starts_with(name.as_bytes());
        if !self.pairs.iter().any(|(n, _)| named_like_a_chunk(n)) {
            return None;
        }
        let mut chunk_name = Vec::with_capacity(name.len() + 4);
        let mut chunks = Vec::new();
        while chunks.len() < max_chunks {
            chunk_name.clear();
            chunk_name.extend_from_slice(name.as_bytes());
            chunk_name.push(b'.');
            push_decimal(&mut chunk_name, chunks.len());
            let Some(raw) = first_non_empty(&chunk_name) else {
                break;
            };
            chunks.push(raw);
        }
        (!chunks.is_empty()).then_some(RawToken::Chunks(chunks))
    }

    /// The session token, whole or reassembled from the contiguous chunks `<name>.0`,
    /// `<name>.1`, ... (at most `max_chunks` of them; any other chunk is ignored).
    pub(crate) fn session_token(&self, name: &str, max_chunks: usize) -> Option<Cow<'a, str>> {
        if let Some(v) = self.values(name).find(|v| !v.is_empty()) {
            return Some(v);
        }
        let mut chunks: Vec<Option<Cow<'a, str>>> = vec![None; max_chunks];
        for (n, raw) in &self.pairs {
            if let Some(i) = chunk_index(n, name) {
                if let Some(slot) = chunks.get_mut(i) {
                    if slot.is_none() {
                        *slot = decode_value(raw).filter(|v| !v.is_empty());
                    }
                }
            }
        }
        let token: String = chunks.iter().map_while(|c| c.as_deref()).collect();
        (!token.is_empty()).then_some(Cow::Owned(token))
    }

    /// Names of the session cookies the request carries that authgate would clear: the
    /// whole cookie and the chunks `.0` to `.<max_chunks>`, each once (so a clearing
    /// answer never grows with the request).
    pub(crate) fn session_cookie_names(&self, name: &str, max_chunks: usize) -> Vec<&'a str> {
        // Index 0: the whole cookie; i + 1: chunk i.
        let mut seen: Vec<Option<&'a str>> = vec![None; max_chunks + 2];
        for (n, raw) in &self.pairs {
            let slot = if *n == name.as_bytes() {
                Some(0)
            } else {
                chunk_index(n, name)
                    .filter(|&i| i <= max_chunks)
                    .map(|i| i + 1)
            };
            let Some(slot) = slot.and_then(|i| seen.get_mut(i)) else {
                continue;
            };
            // Only cookies of these names are decoded (to skip the undecodable ones);
            // such a name is `name` or `name.<digits>`, so UTF-8.
            if slot.is_none() && decode_value(raw).is_some() {
                *slot = std::str::from_utf8(n).ok();
            }
        }
        seen.into_iter().flatten().collect()
    }
}

/// One `name=value` pair of a `Cookie` header: trimmed, quotes removed; `None` when
/// malformed (no `=`, empty name).
fn split_pair(pair: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = memchr::memchr(b'=', pair)?;
    let name = pair[..eq].trim_ascii();
    if name.is_empty() {
        return None;
    }
    let raw = pair[eq + 1..].trim_ascii();
    let raw = raw
        .strip_prefix(b"\"")
        .and_then(|r| r.strip_suffix(b"\""))
        .unwrap_or(raw);
    Some((name, raw))
}

/// Appends `n` in decimal (chunk names, without a `String` per chunk).
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let start = out.len();
    let mut n = n;
    loop {
        out.push(b'0' + u8::try_from(n % 10).unwrap_or(0));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out[start..].reverse();
}

/// A cookie value, percent-decoded; `None` when it is not UTF-8.
fn decode_value(raw: &[u8]) -> Option<Cow<'_, str>> {
    // Session tokens are base64url: no `%` to decode.
    match memchr::memchr(b'%', raw) {
        Some(first) => String::from_utf8(percent_decode_from(raw, first))
            .ok()
            .map(Cow::Owned),
        None => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
    }
}

/// Percent-decodes `raw`, whose first `%` is at `first`, as `decodeURIComponent` would
/// but leniently (the `percent-encoding` crate's rule): `%` and two hex digits become
/// that byte, any other `%` stays. Copies the runs between escapes whole (the CSRF and
/// callback-url cookies are read on every auth request).
pub(crate) fn percent_decode_from(raw: &[u8], first: usize) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    let mut at = Some(first);
    while let Some(i) = at {
        out.extend_from_slice(&rest[..i]);
        let escaped = match rest.get(i + 1..i + 3) {
            Some(&[hi, lo]) => hex(hi).zip(hex(lo)).map(|(hi, lo)| hi << 4 | lo),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                rest = &rest[i + 3..];
            }
            None => {
                out.push(b'%');
                rest = &rest[i + 1..];
            }
        }
        at = memchr::memchr(b'%', rest);
    }
    out.extend_from_slice(rest);
    out
}

/// `Some(i)` when `cookie` is `<name>.<i>`, with `i` written canonically (`.1`, not
/// `.01` or `.+1`).
fn chunk_index(cookie: &[u8], name: &str) -> Option<usize> {
    let digits = cookie.strip_prefix(name.as_bytes())?.strip_prefix(b".")?;
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || !digits.starts_with(b"0"));
    if !canonical {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Whether a `Set-Cookie` value sets or clears the session cookie `name` or one of its
/// chunks (`<name>.<digits>`).
pub(crate) fn is_session_set_cookie(set_cookie: &[u8], name: &str) -> bool {
    let end = set_cookie
        .iter()
        .position(|&b| b == b'=' || b == b';')
        .unwrap_or(set_cookie.len());
    let Ok(cookie) = std::str::from_utf8(set_cookie[..end].trim_ascii()) else {
        return false;
    };
    match cookie.strip_prefix(name) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('.')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
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
    let encoded = if value.bytes().all(kept_in_cookie_values) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(utf8_percent_encode(value, URI_COMPONENT).to_string())
    };
    write_set_cookie(name, &encoded, attrs, expires, cross_site)
}

/// A session token cookie: as [`set_cookie`], for a value that is a token (base64url
/// segments and dots, or hex): nothing in it to percent-encode, so it is not scanned.
fn token_cookie(
    name: &str,
    token: &str,
    attrs: CookieAttrs,
    expires: OffsetDateTime,
) -> HeaderValue {
    debug_assert!(token.bytes().all(kept_in_cookie_values), "not a token");
    write_set_cookie(name, token, attrs, Some(expires), false)
}

/// Writes a `Set-Cookie` value as the `cookie` crate writes it (a test compares the
/// two), directly: this runs for the session cookie on every `GET /session`, where
/// formatting through `Cookie` cost more than the rest of the answer.
fn write_set_cookie(
    name: &str,
    encoded: &str,
    attrs: CookieAttrs,
    expires: Option<OffsetDateTime>,
    cross_site: bool,
) -> HeaderValue {
    let mut out = String::with_capacity(name.len() + encoded.len() + 96);
    out.push_str(name);
    out.push('=');
    out.push_str(encoded);
    out.push_str("; HttpOnly; SameSite=");
    out.push_str(match attrs.same_site(cross_site) {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
        SameSite::None => "None",
    });
    if attrs.secure {
        out.push_str("; Secure");
    }
    out.push_str("; Path=/");
    if let Some(at) = expires {
        out.push_str("; Expires=");
        crate::date::push_http_date(&mut out, at.unix_timestamp());
    }
    header_value(out)
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
    header_value(cookie.to_string())
}

fn header_value(text: String) -> HeaderValue {
    // Names are ours and values are percent-encoded, so the header is always visible
    // ASCII; an impossible failure degrades to an empty (ignored) header.
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
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
        out.push(token_cookie(name, value, attrs, expires));
        written.push(name.to_owned());
    } else {
        // JWE values are ASCII, so byte chunks are char chunks.
        for (i, chunk) in value.as_bytes().chunks(CHUNK_SIZE).enumerate() {
            let chunk_name = format!("{name}.{i}");
            let chunk = std::str::from_utf8(chunk).unwrap_or_default();
            out.push(token_cookie(&chunk_name, chunk, attrs, expires));
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
    fn undecodable_duplicates_give_way_to_the_next() {
        let h = headers("s=%ff; s=tok");
        assert_eq!(RequestCookies::parse(&h).get("s").as_deref(), Some("tok"));
        assert_eq!(
            RequestCookies::parse(&h).session_token("s", 8).as_deref(),
            Some("tok")
        );
        let h = headers("s.0=%ff; s.0=aa; s.1=bb");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_token("s", 8).as_deref(), Some("aabb"));
        assert_eq!(c.session_cookie_names("s", 8), ["s.0", "s.1"]);
        let h = headers("s=%ff");
        let c = RequestCookies::parse(&h);
        assert!(c.session_cookie_names("s", 8).is_empty());
        // A chunk index at the integer limit neither panics nor counts.
        let h = headers("s.18446744073709551615=x; s.0=a");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_cookie_names("s", 8), ["s.0"]);
        assert_eq!(c.session_token("s", 8).as_deref(), Some("a"));
    }

    #[test]
    fn kept_bytes_are_the_ones_uri_component_keeps() {
        for b in 0..=127u8 {
            let one = char::from(b).to_string();
            let encoded = utf8_percent_encode(&one, URI_COMPONENT).to_string();
            assert_eq!(kept_in_cookie_values(b), encoded == one, "{b}");
        }
        assert!((128..=255).all(|b| !kept_in_cookie_values(b)));
    }

    #[test]
    fn set_cookie_is_written_as_the_cookie_crate_writes_it() {
        let at = OffsetDateTime::from_unix_timestamp(1_795_373_425).unwrap();
        for (value, secure, cross_site) in [
            ("eyJhbGciOi.J9..x-y_z", false, false),
            ("a b|c%d/é", true, false),
            ("v", true, true),
            ("", false, true),
        ] {
            let attrs = CookieAttrs { secure };
            let mut cookie = Cookie::build((
                "authjs.session-token",
                utf8_percent_encode(value, URI_COMPONENT).to_string(),
            ))
            .http_only(true)
            .same_site(attrs.same_site(cross_site))
            .path("/")
            .secure(secure)
            .build();
            cookie.set_expires(at);
            let ours = set_cookie_with("authjs.session-token", value, attrs, Some(at), cross_site);
            assert_eq!(ours.to_str().unwrap(), cookie.to_string());
            let ours = set_cookie_with("authjs.session-token", value, attrs, None, cross_site);
            assert!(!ours.to_str().unwrap().contains("Expires"));
        }
    }

    #[test]
    fn decimals_are_written_as_to_string_writes_them() {
        for n in [0, 1, 9, 10, 42, 100, 12_345, usize::MAX] {
            let mut out = b"x.".to_vec();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x.{n}").into_bytes());
        }
    }

    #[test]
    fn parses_and_decodes() {
        let h = headers("a=1; authjs.csrf-token=abc%7Cdef; b=\"q\"");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.get("authjs.csrf-token").as_deref(), Some("abc|def"));
        assert_eq!(c.get("b").as_deref(), Some("q"));
        assert_eq!(c.get("nope").as_deref(), None);
    }

    #[test]
    fn reassembles_chunks_in_order() {
        let h = headers("s.1=bb; s.0=aa; s.2=cc; s.x=zz; sx=no");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_token("s", 8).as_deref(), Some("aabbcc"));
        let mut names = c.session_cookie_names("s", 8);
        names.sort_unstable();
        assert_eq!(names, ["s.0", "s.1", "s.2"]);
    }

    #[test]
    fn reads_only_contiguous_chunks_up_to_the_maximum() {
        let h = headers("s.0=aa; s.1=bb; s.3=dd; s.01=zz");
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_token("s", 8).as_deref(), Some("aabb"));
        assert_eq!(c.session_token("s", 1).as_deref(), Some("aa"));
        assert_eq!(c.session_cookie_names("s", 8), ["s.0", "s.1", "s.3"]);
        let h = headers("s.5=x; s.1=y");
        assert_eq!(RequestCookies::parse(&h).session_token("s", 8), None);
        let many: String = (0..500)
            .map(|i| format!("s.{i}=x; s.{i}=x; s=; "))
            .collect();
        let h = {
            let mut h = HeaderMap::new();
            h.insert(
                http::header::COOKIE,
                HeaderValue::from_str(&many).expect("ascii"),
            );
            h
        };
        let c = RequestCookies::parse(&h);
        assert_eq!(c.session_token("s", 8).as_deref(), Some("xxxxxxxx"));
        let names = c.session_cookie_names("s", 8);
        assert_eq!(names.len(), 10, "{names:?}");
    }

    #[test]
    fn a_non_utf8_or_raw_utf8_pair_hides_nothing() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            HeaderValue::from_bytes("a=1; theme=café; b=2".as_bytes()).expect("bytes"),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_bytes(b"bad=\xff\xfe; c=3; d=%ff; e=%C3%A9").expect("bytes"),
        );
        let c = RequestCookies::parse(&h);
        assert_eq!(c.get("a").as_deref(), Some("1"));
        assert_eq!(c.get("theme").as_deref(), Some("café"));
        assert_eq!(c.get("b").as_deref(), Some("2"));
        assert_eq!(c.get("bad").as_deref(), None);
        assert_eq!(c.get("c").as_deref(), Some("3"));
        assert_eq!(c.get("d").as_deref(), None);
        assert_eq!(c.get("e").as_deref(), Some("é"));
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
    fn recognises_session_set_cookies() {
        for v in [
            "s=abc; Path=/",
            "s=; Max-Age=0",
            "s.0=x",
            "s.12=x; HttpOnly",
            " s =x",
        ] {
            assert!(is_session_set_cookie(v.as_bytes(), "s"), "{v}");
        }
        for v in ["sx=1", "s.x=1", "s.=1", "t=1", "", "=s"] {
            assert!(!is_session_set_cookie(v.as_bytes(), "s"), "{v}");
        }
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        let v = set_cookie("c", "a|b:c/d", CookieAttrs { secure: true }, None);
        let v = v.to_str().unwrap();
        assert!(v.starts_with("c=a%7Cb%3Ac%2Fd;"), "{v}");
        assert!(v.contains("Secure"));
    }
}
