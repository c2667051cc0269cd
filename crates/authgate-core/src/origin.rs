//! Where a request came from: the canonical URL, or (when trusted) the Host and
//! X-Forwarded-* headers.

use http::{HeaderMap, Uri};
use url::Url;

/// The origin of a request and whether it is served over https.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    /// `scheme://host[:port]`, no trailing slash.
    pub(crate) origin: String,
    /// `true` for https: cookies get `Secure` and the `__Secure-`/`__Host-` prefixes.
    pub(crate) secure: bool,
}

impl Origin {
    /// The origin of an absolute http(s) URL.
    pub(crate) fn of_url(url: &Url) -> Option<Self> {
        let secure = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let origin = url.origin().ascii_serialization();
        (origin != "null").then_some(Self { origin, secure })
    }

    /// The origin named by the (trusted) request: `X-Forwarded-Host`, `Host` or the URI's
    /// authority (HTTP/2 has no `Host` header), and `X-Forwarded-Proto` (`http` means
    /// http, anything else https) or the URI's scheme. `None` when they are missing or do
    /// not form a plain origin.
    pub(crate) fn from_request(headers: &HeaderMap, uri: Option<&Uri>) -> Option<Self> {
        let first = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let authority = uri.and_then(Uri::authority).map(|a| a.as_str());
        let host = first("x-forwarded-host")
            .or_else(|| first("host"))
            .or(authority)?;
        let scheme = match (first("x-forwarded-proto"), uri.and_then(Uri::scheme_str)) {
            (Some("http"), _) | (None, None | Some("http")) => "http",
            _ => "https",
        };
        if host.contains(['/', '\\', '@', '?', '#']) {
            return None;
        }
        let url = Url::parse(&format!("{scheme}://{host}")).ok()?;
        Self::of_url(&url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn forwarded_headers() {
        let o = Origin::from_request(
            &headers(&[
                ("host", "internal:8080"),
                ("x-forwarded-host", "app.example"),
                ("x-forwarded-proto", "https"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(o.origin, "https://app.example");
        assert!(o.secure);
        let o = Origin::from_request(&headers(&[("host", "localhost:3000")]), None).unwrap();
        assert_eq!(o.origin, "http://localhost:3000");
        assert!(Origin::from_request(&headers(&[("host", "evil.com/x")]), None).is_none());
        assert!(Origin::from_request(&headers(&[("host", "a@evil.com")]), None).is_none());
        assert!(Origin::from_request(&headers(&[]), None).is_none());
        let h2: Uri = "https://app.example/auth/session".parse().unwrap();
        let o = Origin::from_request(&headers(&[]), Some(&h2)).unwrap();
        assert_eq!(o.origin, "https://app.example");
    }
}
