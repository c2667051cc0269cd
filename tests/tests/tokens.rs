//! Session tokens: the real Auth.js / NextAuth vectors, rotation, chunking, sliding
//! expiry and every way a token can be bad (`reference/authjs-behaviour.md` §3, §4).

use std::time::Duration;

use authgate::{AuthConfig, TokenCodec, TokenFormat, Trigger};
use authgate_tests::{
    b64url, b64url_decode, codec, codec_for, craft_token, decode_token, now, spawn, spawn_custom,
    spawn_with, suite, token_for, vectors, Browser, Framework, Resp, OLD_SECRET, SECRET, SESSION,
};
use serde_json::{json, Value};

const SECURE_SESSION: &str = "__Secure-authjs.session-token";
const V4_SESSION: &str = "next-auth.session-token";
const CHUNK_SIZE: usize = 3936;
const MONTH: i64 = 30 * 24 * 3600;

fn vector(file: &str, i: usize) -> (String, Value) {
    let v = &vectors(file)["vectors"][i];
    (
        v["jwe"].as_str().expect("jwe").to_owned(),
        v.get("decoded").cloned().unwrap_or(Value::Null),
    )
}

/// GET /auth/session with exactly this Cookie header (no jar).
async fn session_with(b: &Browser, cookie: &str) -> Resp {
    b.send(
        b.bare(reqwest::Method::GET, "/auth/session")
            .header("cookie", cookie),
    )
    .await
}

fn assert_rejected(res: &Resp, cookie_name: &str, what: &str) {
    assert_eq!(res.status, 200, "{what}");
    assert_eq!(res.body, "null", "{what}");
    assert!(
        res.clears(cookie_name),
        "{what}: {cookie_name} cleared: {:?}",
        res.set_cookies()
    );
}

// ---------------------------------------------------------------------------------
// Auth.js v5 vectors
// ---------------------------------------------------------------------------------

async fn authjs_vector_is_a_session(fw: Framework) {
    let server = spawn_with(fw, |b| b).await;
    let b = server.browser();
    let (jwe, decoded) = vector("authjs-v5.json", 0);
    b.set_cookie(SESSION, &jwe);
    let res = b.get("/auth/session").await;
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(
        body["user"],
        json!({"id": "user-1", "name": "Alice", "email": "alice@example.com", "role": "admin"})
    );
    // Re-issued: same claims, fresh iat/exp/jti.
    let new = res.cookie_value(SESSION).expect("re-issued");
    assert_ne!(new, jwe);
    let claims = decode_token(new);
    for k in ["sub", "name", "email", "role", "id"] {
        assert_eq!(claims[k], decoded[k], "{k}");
    }
    assert_ne!(claims["jti"], decoded["jti"]);
    assert!(claims["iat"].as_i64().expect("iat") >= now() - 5);
    assert!(claims["exp"].as_i64().expect("exp") >= now() + MONTH - 5);
    // The header is Auth.js's: dir + A256CBC-HS512 with a kid, empty key segment.
    let header = b64url_decode(new.split('.').next().expect("header")).expect("b64");
    let header: Value = serde_json::from_slice(&header).expect("json");
    assert_eq!(header["alg"], "dir");
    assert_eq!(header["enc"], "A256CBC-HS512");
    assert!(header["kid"].is_string());
    assert_eq!(new.split('.').nth(1), Some(""));
    // App routes read it as well.
    let b = server.browser();
    b.set_cookie(SESSION, &jwe);
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["user"]["id"], "user-1");
}

async fn authjs_unicode_vector(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let (jwe, decoded) = vector("authjs-v5.json", 2);
    b.set_cookie(SESSION, &jwe);
    let res = b.get("/auth/session").await;
    assert_eq!(res.json()["user"]["name"], "Ünïcødé 名前 🚀");
    assert_eq!(res.json()["user"]["id"], "user-3");
    let claims = decode_token(res.cookie_value(SESSION).expect("re-issued"));
    assert_eq!(claims["nested"], decoded["nested"]);
    assert_eq!(claims["name"], decoded["name"]);
}

async fn authjs_secure_vector(fw: Framework) {
    let (jwe, _) = vector("authjs-v5.json", 1);
    let server = spawn_with(fw, |b| b.url("https://app.example")).await;
    let b = server.browser();
    let res = session_with(&b, &format!("{SECURE_SESSION}={jwe}")).await;
    assert_eq!(
        res.json()["user"],
        json!({"id": "user-2", "name": "Bob", "email": "bob@example.com", "role": "user"})
    );
    let line = res.set_cookie(SECURE_SESSION).expect("re-issued");
    assert!(line.contains("Secure"));
    let claims = codec_for(&[SECRET], SECURE_SESSION)
        .decode(res.cookie_value(SECURE_SESSION).expect("value"))
        .expect("decodes with the __Secure- salt");
    assert_eq!(claims["sub"], "user-2");
    // Under the plain name (another salt) it is not a session.
    let res = session_with(&b, &format!("{SESSION}={jwe}")).await;
    assert_eq!(res.body, "null", "plain name on https is ignored");
    // And an http server refuses it (wrong salt).
    let plain = spawn(fw).await;
    let b = plain.browser();
    let res = session_with(&b, &format!("{SESSION}={jwe}")).await;
    assert_rejected(&res, SESSION, "__Secure- token under the http name");
}

async fn rotation_vector(fw: Framework) {
    let (jwe, _) = vector("authjs-v5.json", 4);
    // Only the new secret: the old token is refused.
    let server = spawn(fw).await;
    let res = session_with(&server.browser(), &format!("{SESSION}={jwe}")).await;
    assert_rejected(&res, SESSION, "rotated-out secret");

    // New secret first, old one kept: accepted and re-encrypted with the new one.
    let server = spawn_with(fw, |b| b.secrets([SECRET, OLD_SECRET])).await;
    let b = server.browser();
    let res = session_with(&b, &format!("{SESSION}={jwe}")).await;
    assert_eq!(res.json()["user"]["name"], "Old Key");
    assert_eq!(res.json()["user"]["id"], "rotated");
    let new = res.cookie_value(SESSION).expect("re-issued");
    assert!(
        codec().decode(new).is_ok(),
        "encrypted with the first secret"
    );
    assert!(codec_for(&[OLD_SECRET], SESSION).decode(new).is_err());
    // Tokens of the current secret still work, and sign-in works with a list.
    let (current, _) = vector("authjs-v5.json", 0);
    let res = session_with(&b, &format!("{SESSION}={current}")).await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    let res = b.sign_in("bob", "builder").await;
    assert!(res.sets(SESSION));
    assert_eq!(b.session().await["user"]["name"], "Bob");

    // Old secret first: new tokens are written with it.
    let server = spawn_with(fw, |b| b.secrets([OLD_SECRET, SECRET])).await;
    let b = server.browser();
    let res = session_with(&b, &format!("{SESSION}={current}")).await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    let new = res.cookie_value(SESSION).expect("re-issued");
    assert!(codec_for(&[OLD_SECRET], SESSION).decode(new).is_ok());
}

async fn big_vector_single_and_chunked(fw: Framework) {
    let server = spawn(fw).await;
    let (jwe, decoded) = vector("authjs-v5.json", 3);
    assert!(jwe.len() > CHUNK_SIZE);
    let b = server.browser();
    // As one (oversized) cookie.
    let res = session_with(&b, &format!("{SESSION}={jwe}")).await;
    assert_eq!(res.json()["user"]["id"], "big");
    // Re-issued in chunks; the whole cookie is cleared.
    assert!(res.clears(SESSION), "{:?}", res.set_cookie_names());
    assert!(res.sets(&format!("{SESSION}.0")));
    assert!(res.sets(&format!("{SESSION}.1")));
    let token = res.session_token(SESSION).expect("chunks");
    let claims = decode_token(&token);
    assert_eq!(claims["blob"], decoded["blob"]);

    // As chunks .0/.1, in order and out of order.
    let (a, rest) = jwe.split_at(CHUNK_SIZE);
    for cookie in [
        format!("{SESSION}.0={a}; {SESSION}.1={rest}"),
        format!("{SESSION}.1={rest}; {SESSION}.0={a}"),
    ] {
        let res = session_with(&b, &cookie).await;
        assert_eq!(res.json()["user"]["id"], "big", "{}", &cookie[..30]);
        assert!(res.sets(&format!("{SESSION}.0")));
    }
    // Chunks in separate Cookie headers.
    let res = b
        .send(
            b.bare(reqwest::Method::GET, "/auth/session")
                .header("cookie", format!("{SESSION}.0={a}"))
                .header("cookie", format!("{SESSION}.1={rest}")),
        )
        .await;
    assert_eq!(res.json()["user"]["id"], "big");
    // A missing chunk is an invalid token: every chunk is cleared.
    let res = session_with(&b, &format!("{SESSION}.0={a}")).await;
    assert_rejected(&res, &format!("{SESSION}.0"), "missing chunk");
    let res = session_with(
        &b,
        &format!("{SESSION}.1={rest}; {SESSION}.2=x; {SESSION}.0={a}"),
    )
    .await;
    assert_eq!(res.body, "null", "an extra chunk corrupts the token");
    for i in 0..3 {
        assert!(res.clears(&format!("{SESSION}.{i}")), "chunk {i}");
    }
}

async fn expired_vector(fw: Framework) {
    let server = spawn(fw).await;
    let (jwe, _) = vector("authjs-v5.json", 5);
    let b = server.browser();
    let res = session_with(&b, &format!("{SESSION}={jwe}")).await;
    assert_rejected(&res, SESSION, "expired vector");
    b.set_cookie(SESSION, &jwe);
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 401);
    assert!(res.clears(SESSION));
}

async fn clock_tolerance(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    // Expired 5 s ago: inside the 15 s tolerance.
    let t = token_for("1", 100, -5, &json!({"name": "Late"}));
    let res = session_with(&b, &format!("{SESSION}={t}")).await;
    assert_eq!(res.json()["user"]["name"], "Late");
    // Expired 30 s ago: refused.
    let t = token_for("1", 100, -30, &json!({"name": "Late"}));
    let res = session_with(&b, &format!("{SESSION}={t}")).await;
    assert_rejected(&res, SESSION, "expired 30 s ago");
    // Not valid before a minute from now: refused.
    let mut claims = json!({"sub": "1", "iat": now(), "exp": now() + 600, "nbf": now() + 60});
    let t = craft_token(&claims);
    let res = session_with(&b, &format!("{SESSION}={t}")).await;
    assert_rejected(&res, SESSION, "nbf in the future");
    claims["nbf"] = json!(now() - 1);
    let t = craft_token(&claims);
    let res = session_with(&b, &format!("{SESSION}={t}")).await;
    assert_ne!(res.body, "null", "nbf in the past is fine");
}

// ---------------------------------------------------------------------------------
// Bad tokens
// ---------------------------------------------------------------------------------

/// Flips one base64url character in the middle of segment `seg`.
fn flip(token: &str, seg: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let s = &mut parts[seg];
    if s.is_empty() {
        s.push('A');
    } else {
        let i = s.len() / 2;
        let c = s.as_bytes()[i];
        let r = if c == b'A' { 'B' } else { 'A' };
        s.replace_range(i..=i, &r.to_string());
    }
    parts.join(".")
}

async fn bad_tokens_are_null_and_cleared(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let good = token_for(
        "1",
        0,
        600,
        &json!({"name": "Alice", "id": "1", "role": "admin"}),
    );
    let res = session_with(&b, &format!("{SESSION}={good}")).await;
    assert_eq!(res.json()["user"]["name"], "Alice", "the control works");

    let parts: Vec<&str> = good.split('.').collect();
    let claims_b64 = b64url(br#"{"sub":"1","name":"Mallory","role":"admin","exp":9999999999}"#);
    let other_secret = codec_for(&["another-secret-another-secret-123456"], SESSION)
        .encode(
            json!({"sub": "1", "name": "Mallory", "exp": now() + 600})
                .as_object()
                .expect("object"),
        )
        .expect("encode");
    let gcm_other_salt = TokenCodec::new(TokenFormat::NextAuthV4, &[SECRET], "")
        .expect("codec")
        .encode(
            json!({"sub": "1", "name": "Mallory", "exp": now() + 600})
                .as_object()
                .expect("object"),
        )
        .expect("encode");
    let swap_header = |h: &Value| {
        format!(
            "{}.{}",
            b64url(h.to_string().as_bytes()),
            parts[1..].join(".")
        )
    };
    let mut bad: Vec<(String, String)> = vec![
        ("flip header".into(), flip(&good, 0)),
        ("fill key segment".into(), flip(&good, 1)),
        ("flip iv".into(), flip(&good, 2)),
        ("flip ciphertext".into(), flip(&good, 3)),
        ("flip tag".into(), flip(&good, 4)),
        ("drop last char".into(), good[..good.len() - 1].to_owned()),
        ("drop tag".into(), parts[..4].join(".")),
        ("three segments".into(), parts[..3].join(".")),
        ("half".into(), good[..good.len() / 2].to_owned()),
        ("extra segment".into(), format!("{good}.AAAA")),
        (
            "swap iv and tag".into(),
            [parts[0], parts[1], parts[4], parts[3], parts[2]].join("."),
        ),
        ("wrong secret".into(), other_secret),
        ("v4 token (other key)".into(), gcm_other_salt),
        (
            "alg none JWS".into(),
            format!("{}.{claims_b64}.", b64url(br#"{"alg":"none","typ":"JWT"}"#)),
        ),
        (
            "alg none JWE".into(),
            swap_header(&json!({"alg": "none", "enc": "A256CBC-HS512"})),
        ),
        (
            "enc none".into(),
            swap_header(&json!({"alg": "dir", "enc": "none"})),
        ),
        (
            "A128CBC".into(),
            swap_header(&json!({"alg": "dir", "enc": "A128CBC-HS256"})),
        ),
        (
            "header without kid".into(),
            swap_header(&json!({"alg": "dir", "enc": "A256CBC-HS512"})),
        ),
        (
            "foreign kid".into(),
            swap_header(&json!({"alg": "dir", "enc": "A256CBC-HS512", "kid": "abc"})),
        ),
        (
            "HS256 header".into(),
            swap_header(&json!({"alg": "HS256", "typ": "JWT"})),
        ),
        (
            "zip".into(),
            swap_header(&json!({"alg": "dir", "enc": "A256CBC-HS512", "zip": "DEF"})),
        ),
        ("plain claims".into(), claims_b64.clone()),
        ("garbage".into(), "garbage".into()),
        ("dots".into(), "....".into()),
        ("five empties".into(), "a.b.c.d.e".into()),
        ("long garbage".into(), "Zm9v".repeat(900)),
        ("not base64".into(), "!!!!.!!!!.!!!!.!!!!.!!!!".into()),
    ];
    // A correctly encrypted token whose payload is not an object, or misses exp.
    for (what, claims) in [
        ("no exp", json!({"sub": "1", "name": "Forever"})),
        ("exp as string", json!({"sub": "1", "exp": "9999999999"})),
        (
            "iat as string",
            json!({"sub": "1", "exp": now() + 60, "iat": "x"}),
        ),
    ] {
        bad.push((what.into(), craft_token(&claims)));
    }
    for (what, token) in &bad {
        let res = session_with(&b, &format!("{SESSION}={token}")).await;
        assert_rejected(&res, SESSION, what);
        // App routes: 401, cleared; guards too.
        let res = b
            .send(
                b.bare(reqwest::Method::GET, "/api/me")
                    .header("cookie", format!("{SESSION}={token}")),
            )
            .await;
        assert_eq!(res.status, 401, "{what}");
        assert!(res.clears(SESSION), "{what}: app route clears");
        let res = b
            .send(
                b.bare(reqwest::Method::GET, "/admin")
                    .header("cookie", format!("{SESSION}={token}")),
            )
            .await;
        assert_eq!(res.status, 401, "{what}: guard");
    }
    // An empty cookie is no session (and nothing to clear).
    let res = session_with(&b, &format!("{SESSION}=")).await;
    assert_eq!(res.body, "null");
}

// ---------------------------------------------------------------------------------
// Chunking
// ---------------------------------------------------------------------------------

/// The demo, plus a jwt that adds a `blob` of `size` chars at sign-in and drops it when
/// an update posts `{"drop": true}` (or grows it with `{"grow": n}`).
async fn blob_server(fw: Framework, size: usize) -> authgate_tests::Server {
    spawn_with(fw, move |b| {
        b.on_jwt(move |ctx| async move {
            let mut token = ctx.token;
            match ctx.trigger {
                Some(Trigger::SignIn) => {
                    token.insert("blob", "b".repeat(size))?;
                }
                Some(Trigger::Update) => {
                    let data = ctx.session.unwrap_or_default();
                    if data.get("drop").is_some() {
                        token.remove("blob");
                    }
                    if let Some(n) = data.get("grow").and_then(Value::as_u64) {
                        let n = usize::try_from(n).unwrap_or_default();
                        token.insert("blob", "g".repeat(n))?;
                    }
                }
                Some(Trigger::SignUp) | None => {}
            }
            Ok(Some(token))
        })
    })
    .await
}

fn chunk_names(res: &Resp) -> Vec<String> {
    let mut v: Vec<String> = res
        .set_cookie_names()
        .into_iter()
        .filter(|n| n.starts_with(&format!("{SESSION}.")) && res.sets(n))
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

fn assert_chunks_well_formed(res: &Resp, expect: usize) {
    let names = chunk_names(res);
    let want: Vec<String> = (0..expect).map(|i| format!("{SESSION}.{i}")).collect();
    assert_eq!(names, want, "{:?}", res.set_cookie_names());
    for (i, name) in names.iter().enumerate() {
        let value = res.cookie_value(name).expect("chunk value");
        assert!(value.len() <= CHUNK_SIZE, "{name}: {} chars", value.len());
        if i + 1 < names.len() {
            assert_eq!(value.len(), CHUNK_SIZE, "{name} is full");
        }
        let line = res.set_cookie(name).expect("line");
        assert!(
            line.len() <= 4096,
            "{name}: Set-Cookie is {} bytes",
            line.len()
        );
        authgate_tests::assert_cookie_attrs(line, false);
        assert!(res.cookie_expires(name).is_some(), "{name} has Expires");
    }
}

async fn chunking_round_trip(fw: Framework) {
    let server = blob_server(fw, 4000).await;
    let b = server.browser();
    let res = b.sign_in("alice", "wonderland").await;
    assert_eq!(res.status, 302);
    assert_chunks_well_formed(&res, 2);
    assert!(res.set_cookie(SESSION).is_none(), "no unchunked cookie");
    let token = res.session_token(SESSION).expect("token");
    assert!(token.len() > CHUNK_SIZE);
    assert_eq!(
        decode_token(&token)["blob"].as_str().map(str::len),
        Some(4000)
    );

    // Read back from the chunks; re-issued as chunks again.
    let res = b.get("/auth/session").await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert_chunks_well_formed(&res, 2);
    assert!(
        res.set_cookies().iter().all(|l| !l.contains("Max-Age=0")),
        "nothing cleared: {:?}",
        res.set_cookies()
    );
    assert_eq!(b.get("/api/me").await.status, 200);

    // Shrink: one cookie, stale chunks cleared.
    let csrf = b.csrf().await;
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"drop": true}}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.sets(SESSION),
        "whole cookie: {:?}",
        res.set_cookie_names()
    );
    assert!(res.clears(&format!("{SESSION}.0")));
    assert!(res.clears(&format!("{SESSION}.1")));
    assert!(decode_token(res.cookie_value(SESSION).expect("v"))
        .get("blob")
        .is_none());
    assert_eq!(b.session().await["user"]["name"], "Alice");
    assert_eq!(
        b.cookie_names()
            .into_iter()
            .filter(|n| n.starts_with(SESSION))
            .collect::<Vec<_>>(),
        [SESSION]
    );

    // Grow to three chunks: the whole cookie is cleared.
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"grow": 8000}}),
        )
        .await;
    assert_chunks_well_formed(&res, 3);
    assert!(res.clears(SESSION));
    assert_eq!(b.session().await["user"]["name"], "Alice");

    // Shrink to two chunks: .2 is cleared.
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"grow": 4000}}),
        )
        .await;
    assert_chunks_well_formed(&res, 2);
    assert!(res.clears(&format!("{SESSION}.2")));
    assert_eq!(b.session().await["user"]["name"], "Alice");

    // Sign-out clears every chunk.
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert!(res.clears(&format!("{SESSION}.0")));
    assert!(res.clears(&format!("{SESSION}.1")));
    assert!(b.cookie_names().iter().all(|n| !n.starts_with(SESSION)));
    assert_eq!(b.session().await, Value::Null);
}

async fn sign_in_over_a_small_session_clears_it(fw: Framework) {
    let server = blob_server(fw, 6000).await;
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("2", 0, 600, &json!({"name": "Bob"})));
    let res = b.sign_in("alice", "wonderland").await;
    assert!(res.clears(SESSION), "{:?}", res.set_cookie_names());
    let n = chunk_names(&res).len();
    assert!(n >= 2, "{n} chunks");
    assert_chunks_well_formed(&res, n);
    assert_eq!(b.session().await["user"]["name"], "Alice");
}

// ---------------------------------------------------------------------------------
// Sliding expiry
// ---------------------------------------------------------------------------------

async fn session_route_slides_expiry(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.max_age(Duration::from_secs(3600))
            .update_age(Duration::from_secs(600))
    })
    .await;
    let b = server.browser();
    let old = token_for("1", 1000, 100, &json!({"name": "Alice"}));
    let old_claims = decode_token(&old);
    b.set_cookie(SESSION, &old);
    let res = b.get("/auth/session").await;
    let new = decode_token(res.cookie_value(SESSION).expect("re-issued"));
    let now = now();
    let exp = new["exp"].as_i64().expect("exp");
    assert!(exp > old_claims["exp"].as_i64().expect("old exp"));
    assert!((exp - (now + 3600)).abs() <= 5, "exp = now + max_age");
    assert!((new["iat"].as_i64().expect("iat") - now).abs() <= 5);
    assert_ne!(new["jti"], old_claims["jti"]);
    let expires = res.cookie_expires(SESSION).expect("Expires");
    assert!(
        (expires - (now + 3600)).abs() <= 5,
        "cookie Expires follows max_age"
    );
    // The body's `expires` is the new expiry, as `toISOString` writes it.
    let iso = res.json()["expires"].as_str().expect("expires").to_owned();
    assert_eq!(authgate_tests::iso_date(&iso), Some(exp), "{iso}");
    assert!((expires - exp).abs() <= 1, "cookie Expires = token exp");
    // A sign-in token also has exp = iat + max_age.
    let res = b.sign_in("alice", "wonderland").await;
    let claims = decode_token(res.cookie_value(SESSION).expect("cookie"));
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(3600)
    );
}

async fn app_routes_reissue_after_update_age(fw: Framework) {
    let server = spawn(fw).await;
    let claims = json!({"name": "Alice", "id": "1", "role": "admin", "email": "alice@example.com"});
    // Fresh token: no cookie on app routes.
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    for path in ["/api/me", "/", "/dashboard", "/admin"] {
        let res = b.get_page(path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(
            res.set_cookies().is_empty(),
            "{path}: {:?}",
            res.set_cookies()
        );
    }
    // 23 h old: still fresh with the 24 h default.
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("1", 23 * 3600, 3600, &claims));
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    assert!(res.set_cookie(SESSION).is_none());
    // 25 h old: re-issued, on any route that reads the session.
    for path in ["/api/me", "/", "/dashboard", "/admin"] {
        let b = server.browser();
        let old = token_for("1", 25 * 3600, 3600, &claims);
        b.set_cookie(SESSION, &old);
        let res = b.get_page(path).await;
        assert_eq!(res.status, 200, "{path}");
        let new = res
            .cookie_value(SESSION)
            .unwrap_or_else(|| panic!("{path} re-issues"));
        let new = decode_token(new);
        assert!(new["iat"].as_i64().expect("iat") >= now() - 5);
        assert!(new["exp"].as_i64().expect("exp") >= now() + MONTH - 5);
        assert!(res
            .cookie_expires(SESSION)
            .is_some_and(|e| e >= now() + MONTH - 5));
        authgate_tests::assert_cookie_attrs(res.set_cookie(SESSION).expect("line"), false);
    }
    // A route that never reads the session sets nothing.
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("1", 25 * 3600, 3600, &claims));
    let res = b.get("/unauthorized").await;
    assert_eq!(res.status, 200);
    assert!(res.set_cookies().is_empty());
}

async fn update_age_is_configurable(fw: Framework) {
    let server = spawn_with(fw, |b| b.update_age(Duration::from_secs(60))).await;
    let claims = json!({"name": "Alice"});
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("1", 30, 600, &claims));
    assert!(b.get("/api/me").await.set_cookie(SESSION).is_none());
    b.set_cookie(SESSION, &token_for("1", 61, 600, &claims));
    let res = b.get("/api/me").await;
    assert!(res.sets(SESSION));
    // The re-issued token is fresh, so the next request sets nothing.
    let res = b.get("/api/me").await;
    assert!(res.set_cookies().is_empty(), "{:?}", res.set_cookies());
}

async fn app_routes_reissue_when_jwt_changes_the_token(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.on_jwt(|ctx| async move {
            let mut token = ctx.token;
            if token.get::<bool>("seen").is_none() {
                token.insert("seen", true)?;
            }
            Ok(Some(token))
        })
    })
    .await;
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("1", 0, 600, &json!({"name": "Alice"})));
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    let new = decode_token(res.cookie_value(SESSION).expect("changed token re-issued"));
    assert_eq!(new["seen"], true);
    let res = b.get("/api/me").await;
    assert!(
        res.set_cookies().is_empty(),
        "unchanged: {:?}",
        res.set_cookies()
    );
}

// ---------------------------------------------------------------------------------
// NextAuth v4 compatibility
// ---------------------------------------------------------------------------------

async fn nextauth_v4_vectors(fw: Framework) {
    let server = spawn_custom(fw, |url| {
        authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url))
            .nextauth_v4_compat()
            .base_path("/auth")
    })
    .await;
    let b = server.browser();
    let (jwe, decoded) = vector("nextauth-v4.json", 0);
    let res = session_with(&b, &format!("{V4_SESSION}={jwe}")).await;
    assert_eq!(
        res.json()["user"],
        json!({"id": "user-1", "name": "Alice", "email": "alice@example.com", "role": "admin"})
    );
    let new = res
        .cookie_value(V4_SESSION)
        .expect("re-issued under the v4 name");
    assert!(
        new.starts_with("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."),
        "A256GCM, no kid: {new}"
    );
    let v4 = TokenCodec::new(TokenFormat::NextAuthV4, &[SECRET], "").expect("codec");
    let claims = v4.decode(new).expect("v4 decodes");
    assert_eq!(claims["role"], decoded["role"]);
    assert_eq!(claims["sub"], "user-1");

    let (jwe, _) = vector("nextauth-v4.json", 1);
    let res = session_with(&b, &format!("{V4_SESSION}={jwe}")).await;
    assert_eq!(res.json()["user"]["name"], "Ünïcødé 名前 🚀");

    let (jwe, _) = vector("nextauth-v4.json", 2);
    let res = session_with(&b, &format!("{V4_SESSION}={jwe}")).await;
    assert_rejected(&res, V4_SESSION, "expired v4 vector");

    // A v5 token is not a v4 session, and the v5 cookie name is not read.
    let (v5, _) = vector("authjs-v5.json", 0);
    let res = session_with(&b, &format!("{V4_SESSION}={v5}")).await;
    assert_rejected(&res, V4_SESSION, "v5 token in v4 mode");
    let res = session_with(&b, &format!("{SESSION}={v5}")).await;
    assert_eq!(res.body, "null");
    assert!(res.set_cookie(SESSION).is_none());

    // Sign-in in v4 mode writes next-auth.* cookies.
    let b = server.browser();
    let res = b.get("/auth/csrf").await;
    assert!(res.set_cookie("next-auth.csrf-token").is_some());
    assert!(res.set_cookie("next-auth.callback-url").is_some());
    let res = b.sign_in("bob", "builder").await;
    let token = res.cookie_value(V4_SESSION).expect("v4 session cookie");
    assert_eq!(v4.decode(token).expect("decodes")["role"], "user");
    assert_eq!(b.session().await["user"]["name"], "Bob");
}

async fn nextauth_v4_secure_cookie(fw: Framework) {
    // v4 salts with "" whatever the cookie name, so the same vector is valid under the
    // __Secure- name on https.
    let server = spawn_custom(fw, |_url| {
        authgate_demo::configure(
            AuthConfig::builder()
                .secret(SECRET)
                .url("https://app.example"),
        )
        .nextauth_v4_compat()
        .base_path("/auth")
    })
    .await;
    let b = server.browser();
    let (jwe, _) = vector("nextauth-v4.json", 0);
    let res = session_with(&b, &format!("__Secure-{V4_SESSION}={jwe}")).await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert!(res.sets(&format!("__Secure-{V4_SESSION}")));
    let res = server.browser().get("/auth/csrf").await;
    assert!(res.set_cookie("__Host-next-auth.csrf-token").is_some());
    assert!(res.set_cookie("__Secure-next-auth.callback-url").is_some());
}

async fn v4_default_base_path(fw: Framework) {
    // Without an explicit base path, v4 mode serves /api/auth (the demo's /auth is then
    // an ordinary, unknown app route).
    let server = spawn_custom(fw, |url| {
        authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url)).nextauth_v4_compat()
    })
    .await;
    let b = server.browser();
    let res = b.get("/api/auth/providers").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["credentials"]["signinUrl"],
        format!("{}/api/auth/signin/credentials", server.base)
    );
    assert_eq!(b.get("/auth/providers").await.status, 404);
}

suite!(
    authjs_vector_is_a_session,
    authjs_unicode_vector,
    authjs_secure_vector,
    rotation_vector,
    big_vector_single_and_chunked,
    expired_vector,
    clock_tolerance,
    bad_tokens_are_null_and_cleared,
    chunking_round_trip,
    sign_in_over_a_small_session_clears_it,
    session_route_slides_expiry,
    app_routes_reissue_after_update_age,
    update_age_is_configurable,
    app_routes_reissue_when_jwt_changes_the_token,
    nextauth_v4_vectors,
    nextauth_v4_secure_cookie,
    v4_default_base_path,
);
