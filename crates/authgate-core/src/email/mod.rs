//! Sending sign-in links: the [`EmailSender`] trait the email provider calls, the
//! message it sends ([`VerificationEmail`], rendered by [`VerificationEmail::subject`],
//! [`VerificationEmail::text`] and [`VerificationEmail::html`]), a development sender
//! ([`DevSender`]: logs the link, optionally appends it to an outbox file) and, with the
//! `smtp` feature, an SMTP sender (`SmtpSender`).
//!
//! ```
//! use authgate_core::{async_trait, email::{EmailSender, VerificationEmail}, Error};
//!
//! /// Hands links to the app's own mail queue.
//! struct Queue;
//!
//! #[async_trait]
//! impl EmailSender for Queue {
//!     async fn send(&self, email: &VerificationEmail) -> Result<(), Error> {
//!         let (_to, _subject, _body) = (&email.to, email.subject(), email.text());
//!         Ok(())
//!     }
//! }
//! ```

mod dev;
mod message;
#[cfg(feature = "smtp")]
mod smtp;

use async_trait::async_trait;

pub use dev::DevSender;
pub use message::VerificationEmail;
#[cfg(feature = "smtp")]
pub use smtp::SmtpSender;

use crate::Error;

/// Sends the sign-in link of the email provider (Auth.js `sendVerificationRequest`).
///
/// An error is logged and answered with `EmailSignInError`; the link is already stored
/// then, but nobody has it.
#[async_trait]
pub trait EmailSender: Send + Sync + 'static {
    /// Sends one sign-in link.
    async fn send(&self, email: &VerificationEmail) -> Result<(), Error>;
}
