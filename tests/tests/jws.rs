//! Signed-JWT (JWS) sessions, opt-in with `AuthConfigBuilder::session_jws`: the cookie
//! is a JWS that other services verify with `jsonwebtoken` and the public key, the
//! routes work as with the JWE, and neither format is ever read in place of the other.

use authgate::{JwsKey, TokenCodec, TokenFormat};
use authgate_tests::{
    b64url_decode, now, spawn_with, suite, token_for, Browser, Framework, Resp, SECRET, SESSION,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Map, Value};

// Test-only keys (crates/authgate-core/src/token/jws/testdata/README.md).
macro_rules! testdata {
    ($file:literal) => {
        include_str!(concat!(
            "../../crates/authgate-core/src/token/jws/testdata/",
            $file
        ))
    };
}
const RS1: &str = testdata!("rs256-1.pem");
const RS1_PUB: &str = testdata!("rs256-1.pub.pem");
const ED1: &str = testdata!("eddsa-1.pem");
const ED1_PUB: &str = testdata!("eddsa-1.pub.pem");
const ED2: &str = testdata!("eddsa-2.pem");
const ED2_PUB: &str = testdata!("eddsa-2.pub.pem");

const MONTH: i64 = 30 * 24 * 3600;

/// Verifies a session cookie as another service would: `jsonwebtoken`, the public key,
/// exactly one algorithm, `exp` required.
fn verify(token: &str, key: &DecodingKey, alg: Algorithm) -> Map<String, Value> {
    jsonwebtoken::decode::<Map<String, Value>>(token, key, &Validation::new(alg))
        .unwrap_or_else(|e| panic!("jsonwebtoken verifies the session cookie: {e}"))
        .claims
}

fn rs256_public() -> DecodingKey {
    DecodingKey::from_rsa_pem(RS1_PUB.as_bytes()).expect("RSA public key")
}

/// The header of a compact token, decoded.
fn header(token: &str) -> Value {
    let segment = token.split('.').next().expect("header segment");
    serde_json::from_slice(&b64url_decode(segment).expect("base64url")).expect("JSON header")
}

/// GET /auth/session with exactly this session cookie (no jar).
async fn session_with(b: &Browser, token: &str) -> Resp {
    b.send(
        b.bare(reqwest::Method::GET, "/auth/session")
            .header("cookie", format!("{SESSION}={token}")),
    )
    .await
}

fn assert_rejected(res: &Resp, what: &str) {
    assert_eq!((res.status, res.body.as_str()), (200, "null"), "{what}");
    assert!(res.clears(SESSION), "{what}: {:?}", res.set_cookies());
}

/// The claims a session cookie must carry, and none of the provider's tokens.
fn assert_alice(claims: &Map<String, Value>) {
    assert_eq!(claims["sub"], "1");
    assert_eq!(claims["id"], "1");
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["name"], "Alice");
    assert_eq!(claims["email"], "alice@example.com");
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(
        (now() + MONTH - 5..=now() + MONTH + 5).contains(&exp),
        "exp {exp}"
    );
    for key in ["access_token", "refresh_token", "id_token", "password"] {
        assert!(!claims.contains_key(key), "{key} in a readable token");
    }
}

async fn rs256_session_end_to_end(fw: Framework) {
    let server = spawn_with(fw, |b| b.session_jws(JwsKey::rs256(RS1))).await;
    let b = server.browser();
    let res = b.sign_in("alice", "wonderland").await;
    assert_eq!(res.status, 302);
    let cookie = b.cookie(SESSION).expect("session cookie");

    // A three-part JWS: RS256 under a kid, verified by jsonwebtoken with the public key.
    assert_eq!(cookie.split('.').count(), 3, "{cookie}");
    let head = header(&cookie);
    assert_eq!(
        (&head["alg"], &head["typ"]),
        (&json!("RS256"), &json!("JWT"))
    );
    assert!(head["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    let claims = verify(&cookie, &rs256_public(), Algorithm::RS256);
    assert_alice(&claims);
    // Its payload is readable without any key: hence the docs' warning.
    let payload = b64url_decode(cookie.split('.').nth(1).expect("payload")).expect("b64");
    assert_eq!(
        serde_json::from_slice::<Map<String, Value>>(&payload).expect("JSON"),
        claims
    );
    // Another algorithm or key does not verify it.
    for (key, alg) in [
        (
            DecodingKey::from_secret(SECRET.as_bytes()),
            Algorithm::HS256,
        ),
        (
            DecodingKey::from_rsa_pem(RS1_PUB.as_bytes()),
            Algorithm::RS512,
        ),
    ] {
        let key = key.expect("key");
        assert!(jsonwebtoken::decode::<Value>(&cookie, &key, &Validation::new(alg)).is_err());
    }
    // The app's own codec reads it too (as outside the layer).
    let codec = server.auth.config().token_codec(false);
    assert!(matches!(codec.format(), TokenFormat::Jws(k) if k.alg() == "RS256"));
    assert_eq!(codec.decode(&cookie).expect("decodes"), claims);

    // App routes read the session.
    let me = b.get("/api/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["role"], "admin");
    assert_eq!(me.json()["user"]["id"], "1");

    // GET /auth/session answers and re-issues another JWS with the same claims.
    let res = b.get("/auth/session").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert_eq!(res.json()["user"]["role"], "admin");
    let reissued = res.cookie_value(SESSION).expect("re-issued").to_owned();
    assert_ne!(reissued, cookie);
    let again = verify(&reissued, &rs256_public(), Algorithm::RS256);
    assert_alice(&again);
    assert_ne!(again["jti"], claims["jti"]);
    assert_eq!(header(&reissued)["kid"], head["kid"]);

    // Sign-out clears it; the session is gone.
    let csrf = b.csrf().await;
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert_eq!(res.status, 302);
    assert!(res.clears(SESSION), "{:?}", res.set_cookies());
    assert_eq!(b.session().await, Value::Null);
    assert_eq!(b.get("/api/me").await.status, 401);
}

async fn eddsa_session_with_key_rotation(fw: Framework) {
    // The server signs with ED2 and still accepts what ED1 signed.
    let key = JwsKey::eddsa(ED2).verify_with(ED1_PUB);
    let server = spawn_with(fw, move |b| b.session_jws(key)).await;
    let b = server.browser();
    assert_eq!(b.sign_in("alice", "wonderland").await.status, 302);
    let cookie = b.cookie(SESSION).expect("session cookie");
    assert_eq!(header(&cookie)["alg"], "EdDSA");
    let ed2 = DecodingKey::from_ed_pem(ED2_PUB.as_bytes()).expect("key");
    assert_alice(&verify(&cookie, &ed2, Algorithm::EdDSA));

    // A session the previous key signed is read and re-issued under the new key.
    let old =
        TokenCodec::new(TokenFormat::Jws(JwsKey::eddsa(ED1)), &[SECRET], SESSION).expect("codec");
    let claims =
        json!({"sub": "1", "name": "Alice", "role": "admin", "iat": now(), "exp": now() + 600});
    let old_token = old
        .encode(claims.as_object().expect("object"))
        .expect("encode");
    assert_ne!(header(&old_token)["kid"], header(&cookie)["kid"]);
    let res = session_with(&server.browser(), &old_token).await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    let reissued = res.cookie_value(SESSION).expect("re-issued");
    assert_eq!(header(reissued)["kid"], header(&cookie)["kid"]);
    assert_eq!(verify(reissued, &ed2, Algorithm::EdDSA)["sub"], "1");
    let ed1 = DecodingKey::from_ed_pem(ED1_PUB.as_bytes()).expect("key");
    assert!(
        jsonwebtoken::decode::<Value>(reissued, &ed1, &Validation::new(Algorithm::EdDSA)).is_err()
    );
}

async fn hs256_session_uses_a_derived_key(fw: Framework) {
    let server = spawn_with(fw, |b| b.session_jws(JwsKey::hs256())).await;
    let b = server.browser();
    assert_eq!(b.sign_in("alice", "wonderland").await.status, 302);
    let cookie = b.cookie(SESSION).expect("session cookie");
    assert_eq!(header(&cookie)["alg"], "HS256");
    let codec =
        TokenCodec::new(TokenFormat::Jws(JwsKey::hs256()), &[SECRET], SESSION).expect("codec");
    assert_alice(
        &codec
            .decode(&cookie)
            .expect("the same secret and cookie name verify"),
    );
    // Not signed with the raw secret.
    let raw = DecodingKey::from_secret(SECRET.as_bytes()).expect("key");
    assert!(
        jsonwebtoken::decode::<Value>(&cookie, &raw, &Validation::new(Algorithm::HS256)).is_err()
    );
    assert_eq!(b.get("/api/me").await.status, 200);
}

async fn default_server_never_reads_a_jws(fw: Framework) {
    let server = spawn_with(fw, |b| b).await;
    let b = server.browser();
    let claims =
        json!({"sub": "1", "name": "Alice", "role": "admin", "iat": now(), "exp": now() + 600});
    // Signed with the secret itself, as a naive HS256 verifier would expect.
    let with_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
    )
    .expect("encode");
    // Signed with the derived key a JWS server would use.
    let with_derived = TokenCodec::new(TokenFormat::Jws(JwsKey::hs256()), &[SECRET], SESSION)
        .expect("codec")
        .encode(claims.as_object().expect("object"))
        .expect("encode");
    for (token, what) in [(with_secret, "raw secret"), (with_derived, "derived key")] {
        assert_eq!(token.split('.').count(), 3);
        assert_rejected(&session_with(&b, &token).await, what);
        b.set_cookie(SESSION, &token);
        assert_eq!(b.get("/api/me").await.status, 401, "{what}");
    }
}

async fn jws_server_never_reads_a_jwe(fw: Framework) {
    for key in [JwsKey::hs256(), JwsKey::rs256(RS1)] {
        let server = spawn_with(fw, move |b| b.session_jws(key)).await;
        let b = server.browser();
        // A valid Auth.js v5 JWE from the same secret and cookie name.
        let jwe = token_for("1", 0, 600, &json!({"name": "Alice", "role": "admin"}));
        assert_eq!(jwe.split('.').count(), 5);
        assert_rejected(&session_with(&b, &jwe).await, "JWE");
        b.set_cookie(SESSION, &jwe);
        assert_eq!(b.get("/api/me").await.status, 401);
    }
}

async fn a_token_is_a_session_only_under_its_own_cookie(fw: Framework) {
    // https: the session cookie is `__Secure-authjs.session-token`.
    let server = spawn_with(fw, |b| {
        b.session_jws(JwsKey::rs256(RS1)).url("https://app.example")
    })
    .await;
    let secure = format!("__Secure-{SESSION}");
    let claims =
        json!({"sub": "1", "name": "Alice", "role": "admin", "iat": now(), "exp": now() + 600});
    let token_for_cookie = |cookie: &str| {
        TokenCodec::new(TokenFormat::Jws(JwsKey::rs256(RS1)), &[SECRET], cookie)
            .expect("codec")
            .encode(claims.as_object().expect("object"))
            .expect("encode")
    };
    let b = server.browser();
    let read = |token: String| {
        b.send(
            b.bare(reqwest::Method::GET, "/auth/session")
                .header("cookie", format!("{secure}={token}")),
        )
    };
    let res = read(token_for_cookie(&secure)).await;
    assert_eq!(res.json()["user"]["name"], "Alice", "its own cookie");
    // The same key signed it, for the http cookie: no session here.
    let res = read(token_for_cookie(SESSION)).await;
    assert_eq!((res.status, res.body.as_str()), (200, "null"));
    assert!(res.clears(&secure), "{:?}", res.set_cookies());
}

suite!(
    a_token_is_a_session_only_under_its_own_cookie,
    rs256_session_end_to_end,
    eddsa_session_with_key_rotation,
    hs256_session_uses_a_derived_key,
    default_server_never_reads_a_jws,
    jws_server_never_reads_a_jwe,
);
