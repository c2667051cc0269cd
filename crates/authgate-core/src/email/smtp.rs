//! The SMTP sender (feature `smtp`): lettre's async SMTP transport on tokio with rustls,
//! with one timeout around the whole send (connect, TLS, auth, message).

use std::time::Duration;

use async_trait::async_trait;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{EmailSender, VerificationEmail};
use crate::{Error, ErrorCode};

/// Sends sign-in links over SMTP.
///
/// The server is a URL, as lettre reads it: `smtps://user:pass@smtp.example.com`
/// (TLS from the start, port 465), `smtp://user:pass@smtp.example.com:587?tls=required`
/// (STARTTLS), `smtp://127.0.0.1:2525` (no TLS: a local relay or a test sink only).
///
/// ```
/// use authgate_core::email::SmtpSender;
///
/// let sender = SmtpSender::new("smtps://app:secret@smtp.example.com", "Example <auth@example.com>")
///     .unwrap()
///     .timeout(std::time::Duration::from_secs(5));
/// ```
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("from", &self.from.email.to_string())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender for an SMTP server URL and a `From` address (`Name <addr>` or `addr`).
    /// The default timeout is 10 s for the whole send.
    pub fn new(server_url: &str, from: &str) -> Result<Self, Error> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| Error::Config(format!("SMTP sender: invalid From address: {e}")))?;
        // The URL holds the password: never echo it.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(server_url)
            .map_err(|_| Error::Config("SMTP sender: invalid server URL".into()))?
            .build();
        Ok(Self {
            transport,
            from,
            timeout: Duration::from_secs(10),
        })
    }

    /// The limit for one whole send.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn message(&self, email: &VerificationEmail) -> Result<Message, Error> {
        // A bare address that is exactly the identifier: never a `Name <addr>` form
        // that would deliver the link elsewhere.
        let address: Address = email
            .to
            .parse()
            .map_err(|e| send_error(format!("invalid recipient: {e}")))?;
        if address.as_ref() != email.to {
            return Err(send_error("the recipient is not a plain address".into()));
        }
        let to = Mailbox::new(None, address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html()),
                    ),
            )
            .map_err(|e| send_error(format!("building the message: {e}")))
    }
}

fn send_error(detail: String) -> Error {
    Error::auth(ErrorCode::EmailSignInError, detail)
}

#[async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, email: &VerificationEmail) -> Result<(), Error> {
        let message = self.message(email)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(send_error(format!("SMTP: {e}"))),
            Err(_) => Err(send_error(format!(
                "SMTP: no answer within {:?}",
                self.timeout
            ))),
        }
    }
}
