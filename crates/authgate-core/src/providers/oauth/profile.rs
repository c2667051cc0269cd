//! The default profile mapping, as Auth.js's: `id` from `sub` (or `id`), `name` from
//! `name`, `nickname` or `preferred_username`, `email`, `image` from `picture`.

use serde_json::Value;

use crate::{Error, ErrorCode, User};

/// A JSON string or number as text (GitHub's ids are numbers).
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The default mapping; a profile without `sub` or `id` is an error.
pub(crate) fn default_profile(profile: &Value) -> Result<User, Error> {
    let id = text(profile.get("sub"))
        .or_else(|| text(profile.get("id")))
        .ok_or_else(|| {
            Error::auth(
                ErrorCode::OAuthProfileParseError,
                "the profile has neither `sub` nor `id`",
            )
        })?;
    let name = ["name", "nickname", "preferred_username"]
        .iter()
        .find_map(|k| text(profile.get(*k)));
    Ok(User {
        id,
        name,
        email: text(profile.get("email")),
        image: text(profile.get("picture")),
        ..User::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_oidc_and_numeric_ids() {
        let u = default_profile(&serde_json::json!({
            "sub": "abc", "preferred_username": "ann", "email": "a@x.example", "picture": "https://p"
        }))
        .unwrap();
        assert_eq!(
            (u.id.as_str(), u.name.as_deref(), u.image.as_deref()),
            ("abc", Some("ann"), Some("https://p"))
        );
        let u = default_profile(&serde_json::json!({"id": 42, "name": "Bo"})).unwrap();
        assert_eq!(u.id, "42");
        assert!(default_profile(&serde_json::json!({"name": "x"})).is_err());
    }
}
