//! GitLab (OAuth 2), on gitlab.com or a self-hosted instance. The profile is the user
//! API's answer (`GET /api/v4/user`).

use serde_json::Value;

use super::common::api_user;
use crate::{Error, OAuth, User};

/// gitlab.com.
const GITLAB_COM: &str = "https://gitlab.com";

/// GitLab on gitlab.com: scope `read_user`, state and PKCE, profile from
/// `GET https://gitlab.com/api/v4/user`. The user's id is GitLab's numeric id; the name
/// is `name`, or `username` when it has none. For a self-hosted instance, see
/// [`gitlab_at`].
///
/// ```
/// let gitlab = authgate_core::presets::gitlab("app-id", "secret");
/// assert_eq!(gitlab.provider_id(), "gitlab");
/// assert_eq!(gitlab.display_name(), "GitLab");
/// ```
pub fn gitlab(client_id: impl Into<String>, client_secret: impl Into<String>) -> OAuth {
    gitlab_at(GITLAB_COM, client_id, client_secret)
}

/// GitLab on a self-hosted instance at `base_url` (`https://gitlab.example.com`, or with
/// a relative URL root, `https://example.com/gitlab`): the endpoints are
/// `<base_url>/oauth/authorize`, `<base_url>/oauth/token` and `<base_url>/api/v4/user`;
/// otherwise as [`gitlab`].
///
/// ```
/// let gitlab = authgate_core::presets::gitlab_at("https://gitlab.example.com/", "app-id", "secret");
/// assert_eq!(gitlab.provider_id(), "gitlab");
/// ```
pub fn gitlab_at(
    base_url: impl AsRef<str>,
    client_id: impl Into<String>,
    client_secret: impl Into<String>,
) -> OAuth {
    let base = base_url.as_ref().trim_end_matches('/');
    OAuth::oauth2("gitlab", "GitLab")
        .client_id(client_id)
        .client_secret(client_secret)
        .authorization_endpoint(format!("{base}/oauth/authorize"))
        .token_endpoint(format!("{base}/oauth/token"))
        .userinfo_endpoint(format!("{base}/api/v4/user"))
        .scope("read_user")
        .profile(|profile, _tokens| profile_to_user(profile))
}

/// The numeric `id`, `name` or else `username`, `email`, `avatar_url`.
fn profile_to_user(profile: &Value) -> Result<User, Error> {
    api_user(profile, "GitLab", &["name", "username"])
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oauth2, authorize_query, endpoints, fields, map};
    use super::*;

    /// The shape of `GET /api/v4/user` (docs.gitlab.com, "Users API: Get the current
    /// user"; Auth.js's `GitLabProfile`).
    fn recorded_user() -> Value {
        serde_json::json!({
            "id": 1, "username": "john_smith", "email": "john@example.com",
            "name": "John Smith", "state": "active", "locked": false,
            "avatar_url": "https://gitlab.example.com/uploads/user/avatar/1/index.jpg",
            "web_url": "https://gitlab.example.com/john_smith",
            "created_at": "2012-05-23T08:00:58Z", "bio": "", "public_email": "",
            "bot": false, "two_factor_enabled": true, "external": false,
            "private_profile": false, "commit_email": "john@example.com",
            "identities": []
        })
    }

    #[test]
    fn endpoints_scope_and_checks() {
        let p = gitlab("id", "secret");
        assert_eq!((p.provider_id(), p.display_name()), ("gitlab", "GitLab"));
        assert_oauth2(
            &p,
            [
                "https://gitlab.com/oauth/authorize",
                "https://gitlab.com/oauth/token",
                "https://gitlab.com/api/v4/user",
            ],
            "read_user",
        );

        let p = gitlab_at("https://git.example.com/gitlab/", "id", "secret");
        assert_eq!(
            endpoints(&p),
            [
                Some("https://git.example.com/gitlab/oauth/authorize"),
                Some("https://git.example.com/gitlab/oauth/token"),
                Some("https://git.example.com/gitlab/api/v4/user")
            ]
        );
    }

    #[test]
    fn maps_a_recorded_user() {
        let user = map(&gitlab("id", "secret"), &recorded_user());
        assert_eq!(
            fields(&user),
            (
                "1",
                Some("John Smith"),
                Some("john@example.com"),
                Some("https://gitlab.example.com/uploads/user/avatar/1/index.jpg")
            )
        );
    }

    #[test]
    fn the_name_falls_back_to_the_username() {
        let mut profile = recorded_user();
        profile["name"] = Value::Null;
        let user = map(&gitlab("id", "secret"), &profile);
        assert_eq!(user.name.as_deref(), Some("john_smith"));
        let mut profile = recorded_user();
        if let Some(p) = profile.as_object_mut() {
            p.remove("name");
            p.remove("id");
        }
        assert!(profile_to_user(&profile).is_err(), "no id, no user");
    }

    #[test]
    fn authorization_url_has_the_scope() {
        let p = gitlab_at("https://git.example.com", "id", "secret");
        let query = authorize_query(&p, "https://git.example.com/oauth/authorize");
        assert_eq!(query["scope"], "read_user");
    }
}
