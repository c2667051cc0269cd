//! The user the provider authorizes, and how userinfo and GitHub's API show them.

use serde_json::{json, Value};

/// A user of the mock provider. The next authorization approves the current one
/// ([`super::MockIdp::set_user`]); tokens keep the user they were issued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpUser {
    /// The OIDC subject (`sub`).
    pub sub: String,
    /// The full name (`name`).
    pub name: String,
    /// The email address (`email`).
    pub email: String,
    /// Whether the provider verified the email (`email_verified`).
    pub email_verified: bool,
    /// The picture URL (`picture`; GitHub's `avatar_url`).
    pub picture: String,
    /// GitHub's numeric user id (`id` of `/api/user`).
    pub github_id: u64,
    /// GitHub's login (`login` of `/api/user`).
    pub login: String,
}

impl Default for IdpUser {
    /// Ida Provider, `idp-user-1`, `ida@idp.example`, verified.
    fn default() -> Self {
        Self {
            sub: "idp-user-1".into(),
            name: "Ida Provider".into(),
            email: "ida@idp.example".into(),
            email_verified: true,
            picture: "https://idp.example/avatars/ida.png".into(),
            github_id: 4_242_001,
            login: "ida-provider".into(),
        }
    }
}

/// A secondary address the GitHub email list also holds (unverified, not primary).
const SECONDARY_EMAIL: &str = "ida.old@idp.example";

impl IdpUser {
    /// The profile claims of userinfo and of a full id_token (without `sub`).
    pub(crate) fn profile_claims(&self) -> Value {
        json!({
            "name": self.name,
            "email": self.email,
            "email_verified": self.email_verified,
            "picture": self.picture,
        })
    }

    /// GitHub's `GET /user` shape; `email` is null when the address is private.
    pub(crate) fn github_user(&self, private_email: bool) -> Value {
        json!({
            "login": self.login,
            "id": self.github_id,
            "node_id": format!("U_{}", self.github_id),
            "avatar_url": self.picture,
            "html_url": format!("https://github.invalid/{}", self.login),
            "type": "User",
            "name": self.name,
            "email": if private_email { Value::Null } else { json!(self.email) },
        })
    }

    /// GitHub's `GET /user/emails` shape: the primary address (verified as the user
    /// is) and an unverified secondary one.
    pub(crate) fn github_emails(&self, private_email: bool) -> Value {
        json!([
            {
                "email": SECONDARY_EMAIL,
                "primary": false,
                "verified": false,
                "visibility": Value::Null,
            },
            {
                "email": self.email,
                "primary": true,
                "verified": self.email_verified,
                "visibility": if private_email { "private" } else { "public" },
            },
        ])
    }
}
