//! GitHub (OAuth 2). Its user API has the profile; a private email is read from
//! `/user/emails` (the primary, verified one).

use serde_json::Value;

use super::common::api_user;
use crate::{providers::oauth::client::get_json, Error, ErrorCode, OAuth, User, UserinfoRequest};

/// GitHub: scope `read:user user:email`, state and PKCE, profile from `GET /user` (and
/// `GET /user/emails` when the email is private). The user's id is GitHub's numeric id.
///
/// ```
/// let github = authgate_core::presets::github("Iv1.abc", "secret");
/// assert_eq!(github.display_name(), "GitHub");
/// ```
pub fn github(client_id: impl Into<String>, client_secret: impl Into<String>) -> OAuth {
    OAuth::oauth2("github", "GitHub")
        .client_id(client_id)
        .client_secret(client_secret)
        .authorization_endpoint("https://github.com/login/oauth/authorize")
        .token_endpoint("https://github.com/login/oauth/access_token")
        .userinfo_endpoint("https://api.github.com/user")
        .scope("read:user user:email")
        .userinfo_request(user_with_email)
        .profile(|profile, _tokens| profile_to_user(profile))
}

/// `GET /user`, and `GET /user/emails` when `email` is null: the primary verified
/// address goes into `email`.
async fn user_with_email(req: UserinfoRequest) -> Result<Value, Error> {
    let url = req
        .url
        .ok_or_else(|| Error::auth(ErrorCode::InvalidEndpoints, "GitHub has no user endpoint"))?;
    let token = &req.tokens.access_token;
    let mut user = get_json(&req.http, &url, token).await?;
    if user.get("email").and_then(Value::as_str).is_none() {
        let emails = get_json(&req.http, &format!("{url}/emails"), token).await?;
        let primary = emails.as_array().and_then(|list| {
            list.iter().find(|e| {
                e.get("primary").and_then(Value::as_bool) == Some(true)
                    && e.get("verified").and_then(Value::as_bool) == Some(true)
            })
        });
        if let (Some(obj), Some(email)) = (
            user.as_object_mut(),
            primary.and_then(|e| e.get("email")).cloned(),
        ) {
            obj.insert("email".into(), email);
        }
    }
    Ok(user)
}

/// The numeric `id`, `name` or else `login`, `email`, `avatar_url`.
fn profile_to_user(profile: &Value) -> Result<User, Error> {
    api_user(profile, "GitHub", &["name", "login"])
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oauth2, authorize_query, fields};
    use super::*;

    #[test]
    fn maps_a_recorded_user() {
        // The shape of GitHub's `GET /user` answer (docs.github.com, "Get the
        // authenticated user"), private email.
        let profile = serde_json::json!({
            "login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==",
            "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
            "name": null, "email": null, "type": "User"
        });
        let user = profile_to_user(&profile).unwrap();
        assert_eq!(
            fields(&user),
            (
                "583231",
                Some("octocat"),
                None,
                Some("https://avatars.githubusercontent.com/u/583231?v=4")
            )
        );
    }

    #[test]
    fn authorization_url_has_scope_state_and_pkce() {
        let p = github("id", "secret");
        assert_oauth2(
            &p,
            [
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            ],
            "read:user user:email",
        );
        let query = authorize_query(&p, "https://github.com/login/oauth/authorize");
        assert_eq!(query["scope"], "read:user user:email");
    }
}
