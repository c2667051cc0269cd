//! [`SmtpSink`]: a real SMTP server on loopback that accepts every message and keeps it,
//! so an SMTP sender is tested against a real SMTP conversation. It can also refuse
//! recipients or stall, to test a sender's failures and timeouts.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use base64::Engine as _;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// How the sink answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkMode {
    /// Accepts every message.
    Accept,
    /// Refuses every recipient (`550`).
    Reject,
    /// Greets, then never answers (for timeouts).
    Stall,
}

/// One message the sink received.
#[derive(Clone, Debug)]
pub struct SmtpMessage {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub data: String,
}

impl SmtpMessage {
    /// A top-level header's value (unfolded), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        header_in(head_of(&self.data), name)
    }

    /// The decoded `text/plain` part (or the whole body when it is not multipart).
    pub fn text(&self) -> String {
        let (head, body) = split_head(&self.data);
        let content_type = header_in(head, "content-type").unwrap_or_default();
        let Some(boundary) = boundary_of(&content_type) else {
            return decode(header_in(head, "content-transfer-encoding"), body);
        };
        let marker = format!("--{boundary}");
        for part in body.split(marker.as_str()).skip(1) {
            let part = part.trim_start_matches("\r\n");
            let (phead, pbody) = split_head(part);
            let ptype = header_in(phead, "content-type").unwrap_or_default();
            if ptype.to_ascii_lowercase().starts_with("text/plain") {
                return decode(header_in(phead, "content-transfer-encoding"), pbody);
            }
        }
        String::new()
    }

    /// The first `http://` or `https://` URL of the text part.
    pub fn link(&self) -> Option<String> {
        let text = self.text();
        let start = text.find("http://").or_else(|| text.find("https://"))?;
        let rest = &text[start..];
        let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

fn split_head(s: &str) -> (&str, &str) {
    s.split_once("\r\n\r\n").unwrap_or((s, ""))
}

fn head_of(s: &str) -> &str {
    split_head(s).0
}

fn header_in(head: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_owned());
            }
        }
    }
    value
}

fn boundary_of(content_type: &str) -> Option<String> {
    let at = content_type.to_ascii_lowercase().find("boundary=")?;
    let raw = &content_type[at + "boundary=".len()..];
    let raw = raw.split(';').next().unwrap_or(raw).trim();
    Some(raw.trim_matches('"').to_owned())
}

fn decode(encoding: Option<String>, body: &str) -> String {
    let body = body.trim_end_matches("\r\n");
    match encoding.map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("quoted-printable") => {
            let bytes = quoted_printable::decode(body, quoted_printable::ParseMode::Robust)
                .unwrap_or_else(|_| body.as_bytes().to_vec());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Some("base64") => {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => body.to_owned(),
    }
}

/// An SMTP server on `127.0.0.1` that keeps what it receives.
///
/// ```no_run
/// # async fn demo() {
/// let sink = authgate_test_support::SmtpSink::start().await;
/// let url = sink.url(); // smtp://127.0.0.1:<port>
/// // ... send through it ...
/// let messages = sink.messages();
/// # let _ = (url, messages);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    messages: Arc<Mutex<Vec<SmtpMessage>>>,
    mode: Arc<AtomicU8>,
}

impl SmtpSink {
    /// Starts a sink on a free loopback port (it runs on the test's runtime).
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let sink = Self {
            addr: listener.local_addr().expect("SMTP sink address"),
            messages: Arc::default(),
            mode: Arc::new(AtomicU8::new(0)),
        };
        let serving = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let conn = serving.clone();
                tokio::spawn(async move {
                    let _ = conn.serve(stream).await;
                });
            }
        });
        sink
    }

    /// `smtp://127.0.0.1:<port>` (no TLS).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Changes how it answers from now on.
    pub fn set_mode(&self, mode: SinkMode) {
        let v = match mode {
            SinkMode::Accept => 0,
            SinkMode::Reject => 1,
            SinkMode::Stall => 2,
        };
        self.mode.store(v, Ordering::SeqCst);
    }

    fn mode(&self) -> SinkMode {
        match self.mode.load(Ordering::SeqCst) {
            1 => SinkMode::Reject,
            2 => SinkMode::Stall,
            _ => SinkMode::Accept,
        }
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<SmtpMessage> {
        self.messages.lock().expect("sink lock").clone()
    }

    /// Waits (up to 5 s) until at least `n` messages arrived, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<SmtpMessage> {
        for _ in 0..500 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "the SMTP sink got {} of {n} messages",
            self.messages().len()
        );
    }

    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 authgate-sink ESMTP\r\n").await?;
        if self.mode() == SinkMode::Stall {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250 authgate-sink\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&line);
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                if self.mode() == SinkMode::Reject {
                    b"550 mailbox unavailable\r\n"
                } else {
                    to.push(address(&line));
                    b"250 OK\r\n"
                }
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.messages.lock().expect("sink lock").push(SmtpMessage {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 OK\r\n"
            } else {
                b"502 command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

/// The address of `MAIL FROM:<a> ...` / `RCPT TO:<a>`.
fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_multipart_message() {
        let qp = "Sign in to example.com\r\nhttp://127.0.0.1:1/auth/callback/email?callbackUrl=3D=\r\nhttp%3A%2F%2Fx&token=3Dabc&email=3Da%40b.c\r\n";
        let data = format!(
            "From: a@b.c\r\nSubject: Sign in to\r\n example.com\r\nContent-Type: multipart/alternative;\r\n boundary=\"XYZ\"\r\n\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}--XYZ\r\nContent-Type: text/html\r\n\r\n<a></a>\r\n--XYZ--\r\n"
        );
        let msg = SmtpMessage {
            from: "a@b.c".into(),
            to: vec!["x@y.z".into()],
            data,
        };
        assert_eq!(
            msg.header("subject").as_deref(),
            Some("Sign in to example.com")
        );
        assert_eq!(
            msg.link().as_deref(),
            Some("http://127.0.0.1:1/auth/callback/email?callbackUrl=http%3A%2F%2Fx&token=abc&email=a%40b.c")
        );
    }
}
