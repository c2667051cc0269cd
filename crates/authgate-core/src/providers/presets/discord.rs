//! Discord (OAuth 2). The profile is `GET /users/@me`; the picture is built from the
//! avatar hash on Discord's CDN.

use serde_json::Value;

use super::common::{account_id, first_text};
use crate::{Error, OAuth, User};

/// Discord: scope `identify email`, state and PKCE, profile from
/// `GET https://discord.com/api/users/@me`. The user's id is the Discord snowflake; the
/// name is `global_name`, or `username` when it has none; the image is the avatar on
/// `cdn.discordapp.com` (a GIF when animated), or Discord's default avatar.
///
/// ```
/// let discord = authgate_core::presets::discord("1234567890", "secret");
/// assert_eq!(discord.provider_id(), "discord");
/// assert_eq!(discord.display_name(), "Discord");
/// ```
pub fn discord(client_id: impl Into<String>, client_secret: impl Into<String>) -> OAuth {
    OAuth::oauth2("discord", "Discord")
        .client_id(client_id)
        .client_secret(client_secret)
        .authorization_endpoint("https://discord.com/api/oauth2/authorize")
        .token_endpoint("https://discord.com/api/oauth2/token")
        .userinfo_endpoint("https://discord.com/api/users/@me")
        .scope("identify email")
        .profile(|profile, _tokens| profile_to_user(profile))
}

fn profile_to_user(profile: &Value) -> Result<User, Error> {
    let id = account_id(profile, "id", "Discord")?;
    let image = avatar_url(&id, profile);
    Ok(User {
        name: first_text(profile, &["global_name", "username"]),
        // Discord does not verify every address: only a verified one is the user's.
        email: (profile.get("verified").and_then(Value::as_bool) == Some(true))
            .then(|| first_text(profile, &["email"]))
            .flatten(),
        image: Some(image),
        id,
        ..User::default()
    })
}

/// The avatar on Discord's CDN (`.gif` for an animated one, hash `a_…`), or the default
/// avatar: for the new usernames (discriminator `0`) number `(id >> 22) % 6`, for the
/// legacy ones `discriminator % 5`.
fn avatar_url(id: &str, profile: &Value) -> String {
    match profile.get("avatar").and_then(Value::as_str) {
        Some(hash) if !hash.is_empty() => {
            let format = if hash.starts_with("a_") { "gif" } else { "png" };
            format!("https://cdn.discordapp.com/avatars/{id}/{hash}.{format}")
        }
        _ => {
            let discriminator = first_text(profile, &["discriminator"]).unwrap_or_default();
            let number = match discriminator.as_str() {
                "0" => id.parse::<u64>().map_or(0, |id| (id >> 22) % 6),
                legacy => legacy.parse::<u64>().map_or(0, |d| d % 5),
            };
            format!("https://cdn.discordapp.com/embed/avatars/{number}.png")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{assert_oauth2, authorize_query, fields, map};
    use super::*;

    /// The example user object of Discord's docs (discord.com/developers/docs/resources/
    /// user, "Example User"; Auth.js's `DiscordProfile`).
    fn recorded_user() -> Value {
        serde_json::json!({
            "id": "80351110224678912", "username": "Nelly", "discriminator": "1337",
            "global_name": null, "avatar": "8342729096ea3675442027381ff50dfe",
            "verified": true, "email": "nelly@discord.com", "flags": 64,
            "banner": "06c16474723fe537c283b8efa61a30c8", "accent_color": 16711680,
            "premium_type": 1, "public_flags": 64, "mfa_enabled": true, "locale": "en-US"
        })
    }

    fn user_with(changes: Value) -> User {
        let mut profile = recorded_user();
        if let (Some(p), Some(changes)) = (profile.as_object_mut(), changes.as_object()) {
            p.extend(changes.clone());
        }
        map(&discord("id", "secret"), &profile)
    }

    #[test]
    fn an_unverified_email_is_not_the_users() {
        assert_eq!(
            user_with(serde_json::json!({})).email.as_deref(),
            Some("nelly@discord.com")
        );
        assert_eq!(
            user_with(serde_json::json!({"verified": false})).email,
            None
        );
        assert_eq!(user_with(serde_json::json!({"verified": null})).email, None);
    }

    #[test]
    fn endpoints_scope_and_checks() {
        let p = discord("id", "secret");
        assert_eq!((p.provider_id(), p.display_name()), ("discord", "Discord"));
        assert_oauth2(
            &p,
            [
                "https://discord.com/api/oauth2/authorize",
                "https://discord.com/api/oauth2/token",
                "https://discord.com/api/users/@me",
            ],
            "identify email",
        );
    }

    #[test]
    fn maps_a_recorded_user_with_an_avatar() {
        let user = user_with(serde_json::json!({}));
        assert_eq!(
            fields(&user),
            ("80351110224678912", Some("Nelly"), Some("nelly@discord.com"), Some("https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"))
        );
        let user = user_with(serde_json::json!({"global_name": "Nelly G."}));
        assert_eq!(user.name.as_deref(), Some("Nelly G."));
    }

    #[test]
    fn an_animated_avatar_is_a_gif() {
        let user = user_with(serde_json::json!({"avatar": "a_1269e74af4df7417b13759eae50c83dc"}));
        assert_eq!(
            user.image.as_deref(),
            Some("https://cdn.discordapp.com/avatars/80351110224678912/a_1269e74af4df7417b13759eae50c83dc.gif")
        );
    }

    #[test]
    fn without_an_avatar_the_default_one() {
        // Legacy discriminator: 1337 % 5 = 2.
        let user = user_with(serde_json::json!({"avatar": null}));
        assert_eq!(
            user.image.as_deref(),
            Some("https://cdn.discordapp.com/embed/avatars/2.png")
        );
        // New usernames: (80351110224678912 >> 22) % 6 = 5.
        let user = user_with(serde_json::json!({"avatar": null, "discriminator": "0"}));
        assert_eq!(
            user.image.as_deref(),
            Some("https://cdn.discordapp.com/embed/avatars/5.png")
        );
    }

    #[test]
    fn authorization_url_has_the_scope() {
        let p = discord("id", "secret");
        let query = authorize_query(&p, "https://discord.com/api/oauth2/authorize");
        assert_eq!(query["scope"], "identify email");
    }
}
