//! Sign in with Apple (OpenID Connect with `response_mode=form_post`, and a client
//! secret that is a short-lived ES256 JWT signed with the team's private key).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::Value;

use super::common::{account_id, first_text};
use crate::{ClientAuth, Error, ErrorCode, OAuth, User};

/// Apple's issuer, and the audience of the client secret.
const ISSUER: &str = "https://appleid.apple.com";
/// How long a minted client secret is valid (Apple allows up to six months; one is
/// minted for each token request).
const SECRET_TTL_SECS: i64 = 300;

/// Sign in with Apple: OpenID Connect with the issuer `https://appleid.apple.com` and
/// its endpoints set (no discovery), scope `name email`, `response_mode=form_post`
/// (Apple posts the code back cross-site; the check cookies are `SameSite=None`), state,
/// PKCE and nonce, `client_secret_post`.
///
/// - `client_id`: the Services ID (`com.example.web`);
/// - `team_id`, `key_id`: the Apple Developer team id and the Sign in with Apple key's id;
/// - `private_key_pem`: that key (the `AuthKey_<key id>.p8` file, a PKCS#8 P-256 key).
///
/// The client secret is minted for each token request: an ES256 JWT with header `kid`
/// = key id and claims `iss` = team id, `sub` = client id, `aud` =
/// `https://appleid.apple.com`, `iat` = now, `exp` = now + 5 minutes.
///
/// The profile: `sub`, `email` from the id_token (userinfo: Apple has none), and the
/// name from the `user` field Apple posts on the first sign-in only
/// (`{"name": {"firstName", "lastName"}}`). That field is not signed, so only the name
/// is taken from it.
///
/// # Errors
/// [`Error::Config`] when the key is not a PKCS#8 PEM of a P-256 key: the preset
/// parses it and mints one secret, so a bad key fails when the app starts, not at
/// the first sign-in.
///
/// ```
/// use authgate_core::presets;
///
/// let pem = std::env::var("APPLE_PRIVATE_KEY").unwrap_or_default();
/// match presets::apple("com.example.web", "TEAMID1234", "KEYID12345", pem) {
///     Ok(apple) => assert_eq!(apple.provider_id(), "apple"),
///     Err(e) => eprintln!("Sign in with Apple is off: {e}"),
/// }
/// ```
pub fn apple(
    client_id: impl Into<String>,
    team_id: impl Into<String>,
    key_id: impl Into<String>,
    private_key_pem: impl AsRef<[u8]>,
) -> Result<OAuth, Error> {
    let client_id = client_id.into();
    let minter = SecretMinter::new(
        client_id.clone(),
        team_id.into(),
        key_id.into(),
        private_key_pem.as_ref(),
    )?;
    minter
        .sign()
        .map_err(|e| Error::Config(format!("the Apple private key cannot sign ES256: {e}")))?;
    Ok(OAuth::oidc("apple", "Apple", ISSUER)
        .client_id(client_id)
        .client_secret_with(move || minter.mint())
        .client_auth(ClientAuth::Post)
        .authorization_endpoint("https://appleid.apple.com/auth/authorize")
        .token_endpoint("https://appleid.apple.com/auth/token")
        .jwks_uri("https://appleid.apple.com/auth/keys")
        .scope("name email")
        .form_post()
        .fetch_userinfo(false)
        .profile(|profile, _tokens| profile_to_user(profile)))
}

/// Mints Apple client secrets.
struct SecretMinter {
    header: Header,
    key: EncodingKey,
    team_id: String,
    client_id: String,
}

/// The claims of a client secret.
#[derive(Serialize)]
struct SecretClaims<'a> {
    iss: &'a str,
    iat: i64,
    exp: i64,
    aud: &'a str,
    sub: &'a str,
}

impl SecretMinter {
    fn new(client_id: String, team_id: String, key_id: String, pem: &[u8]) -> Result<Self, Error> {
        let key = EncodingKey::from_ec_pem(pem).map_err(|e| {
            Error::Config(format!(
                "the Apple private key is not a PKCS#8 EC PEM key: {e}"
            ))
        })?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key_id);
        Ok(Self {
            header,
            key,
            team_id,
            client_id,
        })
    }

    /// A client secret valid for [`SECRET_TTL_SECS`] from now.
    fn mint(&self) -> Result<String, Error> {
        self.sign().map_err(|e| {
            Error::auth(
                ErrorCode::CallbackRouteError,
                format!("the Apple client secret could not be signed: {e}"),
            )
        })
    }

    fn sign(&self) -> jsonwebtoken::errors::Result<String> {
        let now = crate::time_now();
        let claims = SecretClaims {
            iss: &self.team_id,
            iat: now,
            exp: now + SECRET_TTL_SECS,
            aud: ISSUER,
            sub: &self.client_id,
        };
        jsonwebtoken::encode(&self.header, &claims, &self.key)
    }
}

fn profile_to_user(profile: &Value) -> Result<User, Error> {
    Ok(User {
        id: account_id(profile, "sub", "Apple")?,
        name: posted_name(profile),
        email: first_text(profile, &["email"]),
        image: None,
        ..User::default()
    })
}

/// `firstName lastName` from the posted `user` (either may be missing).
fn posted_name(profile: &Value) -> Option<String> {
    let name = profile.get("user")?.get("name")?;
    let parts: Vec<String> = ["firstName", "lastName"]
        .iter()
        .filter_map(|k| first_text(name, &[k]))
        .map(|part| part.trim().to_owned())
        .filter(|part| !part.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation};

    use super::super::common::testing::{authorize_query, endpoints, fields, map};
    use super::*;
    use crate::{Check, OAuthKind};

    /// A P-256 test key (`openssl ecparam -name prime256v1 -genkey -noout | openssl
    /// pkcs8 -topk8 -nocrypt`), and its public key (`openssl pkey -pubout`).
    const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3IBDj9N49XYa1wcB
DuMCUK7wpDmrTe+fJf3w6cxUcMihRANCAAQb5McpW7KIVh3aGrKJk2u66qTo/DQt
yuirZUjeYAr8lTgksJ41YEchJNO7J63YqFQ1fJlGHfJi1xsziYhKuFnQ
-----END PRIVATE KEY-----
";
    const TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEG+THKVuyiFYd2hqyiZNruuqk6Pw0
Lcroq2VI3mAK/JU4JLCeNWBHISTTuyet2KhUNXyZRh3yYtcbM4mISrhZ0A==
-----END PUBLIC KEY-----
";
    /// A P-384 key (`-name secp384r1`): an EC PEM that cannot sign ES256.
    const P384_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDm2l3XaQs97EaJkYSV
Dvoj8Xb4HtU68ggqWZi3cBMAuM7gdzpyct4WRFk3wwi+0M2hZANiAATTjJypzYmx
ktC2kIfT6gZ79I4NVJptYnw5qc8+Tcg7U8oH5zOvAcO3yEDrrtAr99Ypvc8kWt1Y
l/IfHwV6noxCx1ld7+A2xyJ3mR86SuwF7LfwvtoqQTM2N5jZ5ODED/g=
-----END PRIVATE KEY-----
";

    fn test_apple() -> OAuth {
        apple("com.example.web", "TEAM123456", "KEY1234567", TEST_KEY).unwrap()
    }

    /// The claims of an Apple id_token (developer.apple.com, "Authenticating users with
    /// Sign in with Apple", the identity token's payload; Auth.js's `AppleProfile`),
    /// with the `user` Apple posts on the first sign-in (developer.apple.com,
    /// "Incorporating Sign in with Apple into other platforms": `{"name": {"firstName",
    /// "lastName"}, "email"}`) as the callback adds it.
    fn recorded_profile() -> Value {
        serde_json::json!({
            "iss": "https://appleid.apple.com", "aud": "com.example.web",
            "exp": 1700003600, "iat": 1700000000,
            "sub": "001234.5f8e7d6c5b4a39281706f5e4d3c2b1a0.1234",
            "nonce": "n-0S6_WzA2Mj", "nonce_supported": true, "at_hash": "mNzE2OGMtNzE",
            "email": "x7k2p9@privaterelay.appleid.com", "email_verified": "true",
            "is_private_email": "true", "auth_time": 1700000000, "real_user_status": 2,
            "user": {
                "name": {"firstName": "Ann", "lastName": "Lee"},
                "email": "x7k2p9@privaterelay.appleid.com"
            }
        })
    }

    #[test]
    fn endpoints_scope_checks_and_client_auth() {
        let p = test_apple();
        assert_eq!((p.provider_id(), p.display_name()), ("apple", "Apple"));
        assert_eq!(p.kind(), OAuthKind::Oidc);
        assert_eq!(p.issuer.as_deref(), Some(ISSUER));
        assert_eq!(
            endpoints(&p),
            [
                Some("https://appleid.apple.com/auth/authorize"),
                Some("https://appleid.apple.com/auth/token"),
                None
            ]
        );
        assert_eq!(
            p.jwks_uri.as_deref(),
            Some("https://appleid.apple.com/auth/keys")
        );
        assert_eq!(p.scope, "name email");
        assert!(p.form_post && !p.fetch_userinfo);
        assert_eq!(p.client_auth, ClientAuth::Post);
        for check in [Check::State, Check::Pkce, Check::Nonce] {
            assert!(p.has_check(check), "{check:?}");
        }
        assert!(p.validate().is_ok());
    }

    #[test]
    fn mints_an_es256_client_secret() {
        let p = test_apple();
        let secret = p.client_secret.as_ref().unwrap().get().unwrap();
        let header = jsonwebtoken::decode_header(&secret).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("KEY1234567"));
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://appleid.apple.com"]);
        validation.set_issuer(&["TEAM123456"]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        let key = DecodingKey::from_ec_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
        let claims =
            jsonwebtoken::decode::<serde_json::Map<String, Value>>(&secret, &key, &validation)
                .unwrap()
                .claims;
        assert_eq!(claims["sub"], "com.example.web");
        let now = crate::time_now();
        let iat = claims["iat"].as_i64().unwrap();
        assert!((now - 5..=now).contains(&iat), "iat {iat}, now {now}");
        assert_eq!(claims["exp"].as_i64(), Some(iat + SECRET_TTL_SECS));
    }

    #[test]
    fn a_bad_key_fails_the_preset_not_a_sign_in() {
        for (what, pem) in [
            ("not a PEM", "not a key"),
            ("a public key", TEST_PUBLIC_KEY),
            ("another curve", P384_KEY),
        ] {
            let err = apple("com.example.web", "TEAM", "KEY", pem).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{what}: {err}");
        }
    }

    #[test]
    fn maps_the_claims_and_the_posted_name() {
        let p = test_apple();
        let user = map(&p, &recorded_profile());
        assert_eq!(
            fields(&user),
            (
                "001234.5f8e7d6c5b4a39281706f5e4d3c2b1a0.1234",
                Some("Ann Lee"),
                Some("x7k2p9@privaterelay.appleid.com"),
                None
            )
        );

        let mut profile = recorded_profile();
        profile["user"] = serde_json::json!({"name": {"firstName": "Ann"}});
        assert_eq!(map(&p, &profile).name.as_deref(), Some("Ann"));
    }

    #[test]
    fn without_a_posted_user_no_name() {
        // Later sign-ins: Apple posts no `user`.
        let mut profile = recorded_profile();
        if let Some(p) = profile.as_object_mut() {
            p.remove("user");
        }
        let user = map(&test_apple(), &profile);
        assert_eq!(user.name, None);
        assert_eq!(
            user.email.as_deref(),
            Some("x7k2p9@privaterelay.appleid.com")
        );
        // The posted email is not used (it is not signed).
        profile["email"] = Value::Null;
        profile["user"] = serde_json::json!({"email": "forged@example.com"});
        assert_eq!(map(&test_apple(), &profile).email, None);
    }

    #[test]
    fn authorization_url_asks_for_form_post() {
        let query = authorize_query(&test_apple(), "https://appleid.apple.com/auth/authorize");
        assert_eq!(query["scope"], "name email");
        assert_eq!(query["response_mode"], "form_post");
        assert!(!query.contains_key("client_secret"));
    }
}
