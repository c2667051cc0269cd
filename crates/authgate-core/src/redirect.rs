//! The default `redirect` rule and the open-redirect checks behind it.

use percent_encoding::percent_decode_str;
use url::Url;

/// The longest callback URL authgate keeps (bytes). A longer one (an asked
/// `callbackUrl`, or the URL a guard sends to the sign-in page) is dropped: it would
/// bloat the `Location` header and the callback-url cookie, which browsers drop above
/// 4 kB.
pub(crate) const MAX_CALLBACK_URL_BYTES: usize = 2048;

/// Whether a callback URL is short enough to keep ([`MAX_CALLBACK_URL_BYTES`]).
pub(crate) fn callback_url_fits(url: &str) -> bool {
    url.len() <= MAX_CALLBACK_URL_BYTES
}

/// The Auth.js default `redirect`, hardened: a relative path is resolved against
/// `base_url`, an absolute URL of the same origin is kept, and everything else
/// (other origins, other schemes, `//host`, `/\host`, their percent-encoded forms, and
/// anything with whitespace or control characters) becomes `base_url`.
///
/// ```
/// use authgate_core::default_redirect;
/// let base = "https://app.example";
/// assert_eq!(default_redirect("/dashboard?x=1", base), "https://app.example/dashboard?x=1");
/// assert_eq!(default_redirect("https://app.example/a", base), "https://app.example/a");
/// assert_eq!(default_redirect("//evil.example", base), base);
/// assert_eq!(default_redirect("javascript:alert(1)", base), base);
/// ```
pub fn default_redirect(url: &str, base_url: &str) -> String {
    plain_same_origin_target(url, base_url)
        .or_else(|| same_origin_target(url, base_url))
        .unwrap_or_else(|| base_url.to_owned())
}

/// The common cases without parsing a URL (this runs on every auth request, for the
/// callback-url cookie): `base_url` a plain origin as authgate writes it (`http(s)://`,
/// then a lowercase host and port), and `url` printable ASCII without `\` or `%`,
/// either a path (`/x`, not `//x`) or `base_url` itself followed by nothing or a path.
/// Such a `url` cannot leave the origin; [`same_origin_target`] gives the same answer
/// for it, and decides every other case.
pub(crate) fn plain_same_origin_target(url: &str, base_url: &str) -> Option<String> {
    let host = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"))?;
    let plain_origin = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.:[]".contains(&b));
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'%')
    };
    if !plain_origin || !plain(url) {
        return None;
    }
    if url.starts_with('/') && !url.starts_with("//") {
        return Some(format!("{base_url}{url}"));
    }
    let rest = url.strip_prefix(base_url)?;
    (rest.is_empty() || rest.starts_with('/')).then(|| url.to_owned())
}

/// `Some(target)` when `url` is a safe same-origin target for `base_url`.
pub(crate) fn same_origin_target(url: &str, base_url: &str) -> Option<String> {
    let decoded = percent_decode_str(url).decode_utf8_lossy();
    if [url, decoded.as_ref()]
        .iter()
        .any(|s| has_forbidden_chars(s))
    {
        return None;
    }
    let base = Url::parse(base_url).ok()?;
    let target = if url.starts_with('/') {
        if decoded.starts_with("//") || url.starts_with("//") {
            return None;
        }
        format!("{}{}", base_url.trim_end_matches('/'), url)
    } else {
        url.to_owned()
    };
    let parsed = Url::parse(&target).ok()?;
    let same = matches!(parsed.scheme(), "http" | "https")
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.origin() == base.origin();
    // A `Location` header is ASCII: non-ASCII input leaves in the URL's own
    // percent-encoded (and punycode) form.
    same.then(|| {
        if target.is_ascii() {
            target
        } else {
            parsed.into()
        }
    })
}

/// Whitespace, control characters and backslashes never belong in a redirect target:
/// browsers strip or reinterpret them, which is how `/\t/evil` becomes `//evil`.
fn has_forbidden_chars(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::default_redirect;

    const BASE: &str = "http://localhost:3000";

    #[test]
    fn keeps_same_origin_targets() {
        for (input, want) in [
            ("/", "http://localhost:3000/"),
            ("/dashboard", "http://localhost:3000/dashboard"),
            ("/a?b=c#d", "http://localhost:3000/a?b=c#d"),
            ("http://localhost:3000/x", "http://localhost:3000/x"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("/é", "http://localhost:3000/%C3%A9"),
        ] {
            assert_eq!(default_redirect(input, BASE), want, "{input}");
        }
    }

    #[test]
    fn rejects_attacks() {
        for input in [
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/%2Fevil.com",
            "/%2F%2Fevil.com",
            "/%5Cevil.com",
            "%2F%2Fevil.com",
            " //evil.com",
            "//evil.com ",
            "\t/evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/%09/evil.com",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "%6A%61vascript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://evil.com",
            "http://localhost:3000@evil.com",
            "http://evil.com#http://localhost:3000",
            "http://localhost:3001/",
            "https://localhost:3000/",
            "http:evil.com",
            "evil.com",
            "",
            "http://user:pass@localhost:3000/",
            "http://localhost:3000\\@evil.com",
        ] {
            assert_eq!(default_redirect(input, BASE), BASE, "{input:?}");
        }
    }
}
