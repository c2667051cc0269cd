//! Whole responses, read over reqwest or a raw socket, and `Set-Cookie` helpers.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::http_date;

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Resp {
    /// Reads a reqwest response whole.
    pub async fn from_response(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Self {
            status,
            headers,
            body,
        }
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (panics when it is not JSON: a test failure).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// The `Set-Cookie` header for a cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.split_once('=').is_some_and(|(n, _)| n == name))
    }

    /// The `name=value` part of the `Set-Cookie` header for a cookie name, as a `Cookie`
    /// request header carries it.
    pub fn set_cookie_pair(&self, name: &str) -> Option<&str> {
        self.set_cookie(name)?.split(';').next()
    }

    /// Names of every cookie this response sets (or clears).
    pub fn set_cookie_names(&self) -> Vec<&str> {
        self.set_cookies()
            .into_iter()
            .filter_map(|c| c.split_once('=').map(|(n, _)| n.trim()))
            .collect()
    }

    /// The value a `Set-Cookie` header gives a cookie (still percent-encoded); `None`
    /// when the response does not set it.
    pub fn cookie_value(&self, name: &str) -> Option<&str> {
        let first = self.set_cookie_pair(name)?;
        first.split_once('=').map(|(_, v)| v.trim())
    }

    /// Whether the response deletes a cookie (empty value and `Max-Age=0`).
    pub fn clears(&self, name: &str) -> bool {
        self.set_cookie(name).is_some_and(|line| {
            cookie_attr(line, "max-age").as_deref() == Some("0")
                && self.cookie_value(name) == Some("")
        })
    }

    /// Whether the response sets a cookie to a non-empty value.
    pub fn sets(&self, name: &str) -> bool {
        self.set_cookie(name).is_some() && !self.clears(name)
    }

    /// The `Expires` of a cookie the response sets, in unix seconds.
    pub fn cookie_expires(&self, name: &str) -> Option<i64> {
        cookie_attr(self.set_cookie(name)?, "expires").and_then(|d| http_date(&d))
    }

    /// The session cookie the response sets, reassembled from chunks when needed
    /// (`None` when it sets none).
    pub fn session_token(&self, name: &str) -> Option<String> {
        if let Some(v) = self.cookie_value(name).filter(|v| !v.is_empty()) {
            return Some(v.to_owned());
        }
        let mut chunks: Vec<(usize, &str)> = self
            .set_cookies()
            .into_iter()
            .filter_map(|line| {
                let (n, rest) = line.split(';').next()?.split_once('=')?;
                let i = n
                    .trim()
                    .strip_prefix(name)?
                    .strip_prefix('.')?
                    .parse()
                    .ok()?;
                Some((i, rest.trim()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if chunks.is_empty() {
            return None;
        }
        chunks.sort_by_key(|(i, _)| *i);
        Some(chunks.into_iter().map(|(_, v)| v).collect())
    }
}

/// An attribute of a `Set-Cookie` line (name case-insensitive); `Some("")` for a flag
/// such as `HttpOnly`.
pub fn cookie_attr(line: &str, attr: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|part| {
        let part = part.trim();
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        k.trim()
            .eq_ignore_ascii_case(attr)
            .then(|| v.trim().to_owned())
    })
}

/// Asserts the attributes every authgate cookie carries: `HttpOnly; SameSite=Lax;
/// Path=/`, no `Domain`, and `Secure` exactly when `secure`.
pub fn assert_cookie_attrs(line: &str, secure: bool) {
    assert!(
        cookie_attr(line, "httponly").is_some(),
        "HttpOnly missing: {line}"
    );
    assert_eq!(
        cookie_attr(line, "samesite").as_deref(),
        Some("Lax"),
        "SameSite: {line}"
    );
    assert_eq!(
        cookie_attr(line, "path").as_deref(),
        Some("/"),
        "Path: {line}"
    );
    assert!(cookie_attr(line, "domain").is_none(), "Domain set: {line}");
    assert_eq!(
        cookie_attr(line, "secure").is_some(),
        secure,
        "Secure: {line}"
    );
}

/// A response read from a raw socket.
#[derive(Debug)]
pub struct RawResp {
    /// Status code (0 when the server closed without answering).
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The body bytes (as sent: not de-chunked).
    pub body: Vec<u8>,
}

/// Sends raw bytes to the server (`http://host:port`) over a fresh TCP connection and
/// reads until it closes (send `Connection: close`). Write errors are ignored, so a
/// server that answers early is still heard.
pub async fn raw_request(base: &str, request: Vec<u8>) -> RawResp {
    let addr = base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        let timeout = Some(std::time::Duration::from_secs(10));
        stream.set_read_timeout(timeout).expect("timeout");
        stream.set_write_timeout(timeout).expect("timeout");
        let _ = stream.write_all(&request);
        let _ = stream.flush();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(buf.len());
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let body = buf.get(split + 4..).map(<[u8]>::to_vec).unwrap_or_default();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        RawResp { status, head, body }
    })
    .await
    .expect("raw request task")
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn resp(set_cookies: &[&'static str]) -> Resp {
        let mut headers = HeaderMap::new();
        for line in set_cookies {
            headers.append("set-cookie", HeaderValue::from_static(line));
        }
        Resp {
            status: 200,
            headers,
            body: String::new(),
        }
    }

    #[test]
    fn set_cookie_helpers() {
        let res = resp(&[
            "a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; SameSite=Lax",
            "b=; Path=/; Max-Age=0",
            "s.1=de; Path=/",
            "s.0=abc; Path=/",
        ]);
        assert_eq!(res.set_cookie_names(), ["a", "b", "s.1", "s.0"]);
        assert_eq!(res.set_cookie_pair("a"), Some("a=1"));
        assert_eq!(res.cookie_value("a"), Some("1"));
        assert_eq!(res.cookie_expires("a"), Some(1_792_567_680));
        assert!(res.sets("a") && !res.clears("a"));
        assert!(res.clears("b") && !res.sets("b"));
        assert_eq!(res.session_token("s").as_deref(), Some("abcde"));
        assert_eq!(res.session_token("a").as_deref(), Some("1"));
        assert_eq!(res.session_token("c"), None);
        assert_eq!(
            cookie_attr(res.set_cookies()[0], "httponly").as_deref(),
            Some("")
        );
        assert_eq!(
            cookie_attr(res.set_cookies()[0], "SAMESITE").as_deref(),
            Some("Lax")
        );
        assert_cookie_attrs(res.set_cookies()[0], false);
    }
}
