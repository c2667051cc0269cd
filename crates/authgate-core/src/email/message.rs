//! The sign-in email: who it goes to, the link, and its text and HTML bodies (in the
//! spirit of Auth.js's default email).

use time::OffsetDateTime;

use crate::pages::escape;

/// One sign-in link to send.
///
/// `Debug` leaves the link out: it signs its holder in.
#[derive(Clone)]
#[non_exhaustive]
pub struct VerificationEmail {
    /// The (normalized) address.
    pub to: String,
    /// The sign-in link (`<base>/callback/<provider>?callbackUrl=..&token=..&email=..`).
    pub url: String,
    /// When the link stops working.
    pub expires: OffsetDateTime,
    /// The email provider's id.
    pub provider: String,
    /// The app's host (`example.com:3000`), for the subject and the text.
    pub host: String,
}

impl std::fmt::Debug for VerificationEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationEmail")
            .field("to", &self.to)
            .field("url", &"[redacted]")
            .field("expires", &self.expires)
            .field("provider", &self.provider)
            .field("host", &self.host)
            .finish()
    }
}

impl VerificationEmail {
    /// `Sign in to <host>`.
    pub fn subject(&self) -> String {
        format!("Sign in to {}", self.host)
    }

    /// The plain-text body.
    ///
    /// ```
    /// # use authgate_core::email::VerificationEmail;
    /// # fn check(email: &VerificationEmail) {
    /// assert!(email.text().contains(&email.url));
    /// # }
    /// ```
    pub fn text(&self) -> String {
        format!(
            "Sign in to {host}\n{url}\n\nThe link works once and until {expires}.\nIf you did not ask for it, you can ignore this email.\n",
            host = self.host,
            url = self.url,
            expires = crate::session::iso(self.expires.unix_timestamp()),
        )
    }

    /// The HTML body: one button with the link.
    pub fn html(&self) -> String {
        format!(
            r#"<!DOCTYPE html>
<html><body style="font-family: Helvetica, Arial, sans-serif; background: #f9f9f9; padding: 20px">
<table width="100%" cellspacing="20" cellpadding="0" style="max-width: 600px; margin: auto; background: #fff; border-radius: 10px">
<tr><td align="center" style="font-size: 22px; color: #444">Sign in to <strong>{host}</strong></td></tr>
<tr><td align="center"><a href="{url}" target="_blank" style="font-size: 18px; color: #fff; background: #346df1; text-decoration: none; border-radius: 5px; padding: 10px 20px; display: inline-block; font-weight: bold">Sign in</a></td></tr>
<tr><td align="center" style="font-size: 16px; color: #444">If you did not request this email you can safely ignore it.</td></tr>
</table>
</body></html>
"#,
            host = escape(&self.host),
            url = escape(&self.url),
        )
    }
}
