use hkdf::Hkdf;
use serde_json::json;

use super::super::jose::Claims;
use super::*;
use crate::{TokenCodec, TokenFormat};

// Test-only keys (see testdata/README.md).
const RS1: &str = include_str!("testdata/rs256-1.pem");
const RS1_PKCS1: &str = include_str!("testdata/rs256-1.pkcs1.pem");
const RS1_PUB: &str = include_str!("testdata/rs256-1.pub.pem");
const RS2: &str = include_str!("testdata/rs256-2.pem");
const RS2_PUB: &str = include_str!("testdata/rs256-2.pub.pem");
const ED1: &str = include_str!("testdata/eddsa-1.pem");
const ED1_PUB: &str = include_str!("testdata/eddsa-1.pub.pem");
const ED2: &str = include_str!("testdata/eddsa-2.pem");
const ED2_PUB: &str = include_str!("testdata/eddsa-2.pub.pem");
const RS_1024: &str = include_str!("testdata/rs-1024.pem");
const ES256: &str = include_str!("testdata/es256.pem");

const NOW: i64 = 1_800_000_000;
const SECRET: &str = "a-long-random-secret-for-the-jws-tests-0123";
const SALT: &str = "authjs.session-token";

fn codec(key: JwsKey) -> TokenCodec {
    codec_with(key, &[SECRET])
}

fn codec_with(key: JwsKey, secrets: &[&str]) -> TokenCodec {
    TokenCodec::new(TokenFormat::Jws(key), secrets, SALT).expect("valid JWS codec")
}

fn jwe() -> TokenCodec {
    TokenCodec::new(TokenFormat::AuthJsV5, &[SECRET], SALT).expect("valid JWE codec")
}

fn claims(now: i64) -> Claims {
    json!({
        "sub": "user-1",
        "name": "Ünïcødé 名前",
        "role": "admin",
        "iat": now,
        "exp": now + 3600,
        "jti": "1272c684-f12e-4953-90aa-0fc8007884d6",
    })
    .as_object()
    .cloned()
    .expect("object")
}

fn object(value: Value) -> Claims {
    value.as_object().cloned().expect("object")
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn header_of(token: &str) -> Value {
    let raw = URL_SAFE_NO_PAD
        .decode(segments(token)[0].as_bytes())
        .expect("header is base64url");
    serde_json::from_slice(&raw).expect("header is JSON")
}

/// The HS256 key as documented: HKDF-SHA-256(secret, salt, "authgate JWS signing key").
fn derived_key(secret: &str, salt: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    Hkdf::<sha2::Sha256>::new(Some(salt.as_bytes()), secret.as_bytes())
        .expand(b"authgate JWS signing key", &mut key)
        .expect("hkdf");
    key
}

/// Signs `header` and `payload` (both raw) as a compact JWS, whatever they say.
fn sign_raw(header: &str, payload: &[u8], key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let signature = crypto::sign(message.as_bytes(), key, alg).expect("sign");
    format!("{message}.{signature}")
}

fn rs_key(pem: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(pem.as_bytes()).expect("RSA key")
}

fn ed_key(pem: &str) -> EncodingKey {
    EncodingKey::from_ed_pem(pem.as_bytes()).expect("Ed25519 key")
}

fn hs_key(secret: &str) -> EncodingKey {
    EncodingKey::from_secret(&derived_key(secret, SALT)).expect("HMAC key")
}

fn kid_of(c: &TokenCodec) -> String {
    let token = c.encode(&claims(NOW)).expect("encode");
    header_of(&token)["kid"].as_str().expect("kid").to_owned()
}

fn assert_invalid(result: Result<Claims, Error>, what: &str) {
    assert!(
        matches!(result, Err(Error::InvalidToken(_))),
        "{what}: expected InvalidToken, got {result:?}"
    );
}

fn assert_config(result: Result<TokenCodec, Error>, needle: &str) {
    match result {
        Err(Error::Config(message)) => {
            assert!(message.contains(needle), "{message:?} mentions {needle:?}");
        }
        other => panic!("expected Error::Config mentioning {needle:?}, got {other:?}"),
    }
}

/// Verifies a token the way another service would: `jsonwebtoken` with the public key.
fn verify_independently(token: &str, key: &DecodingKey, alg: Algorithm) -> Claims {
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.leeway = 0;
    jsonwebtoken::decode::<Claims>(token, key, &validation)
        .expect("jsonwebtoken verifies the token")
        .claims
}

#[test]
fn round_trip_per_algorithm() {
    let now = crate::time_now();
    let cases = [
        (
            JwsKey::hs256(),
            DecodingKey::from_secret(&derived_key(SECRET, SALT)).expect("key"),
        ),
        (
            JwsKey::rs256(RS1),
            DecodingKey::from_rsa_pem(RS1_PUB.as_bytes()).expect("key"),
        ),
        (
            JwsKey::rs256(RS1_PKCS1),
            DecodingKey::from_rsa_pem(RS1_PUB.as_bytes()).expect("key"),
        ),
        (
            JwsKey::eddsa(ED1),
            DecodingKey::from_ed_pem(ED1_PUB.as_bytes()).expect("key"),
        ),
    ];
    for (key, public) in cases {
        let alg = key.alg;
        let c = codec(key.clone());
        assert_eq!(c.format(), &TokenFormat::Jws(key));
        let token = c.encode(&claims(NOW)).expect("encode");
        assert_eq!(segments(&token).len(), 3, "{alg:?}");
        let header = header_of(&token);
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["cookie"], SALT);
        assert_eq!(
            header.as_object().map(|h| h.len()),
            Some(4),
            "alg, typ, kid, cookie"
        );
        // The payload is the claims, readable by anyone: that is the point (and the risk).
        let payload = URL_SAFE_NO_PAD.decode(&segments(&token)[1]).expect("b64");
        assert_eq!(
            serde_json::from_slice::<Claims>(&payload).expect("json"),
            claims(NOW)
        );
        assert_eq!(c.decode_at(&token, NOW).expect("decode"), claims(NOW));
        // A JWT library verifies it with the public (or the documented derived) key.
        let fresh = c.encode(&claims(now)).expect("encode");
        assert_eq!(c.decode(&fresh).expect("decode"), claims(now));
        assert_eq!(
            verify_independently(&fresh, &public, alg.algorithm()),
            claims(now)
        );
    }
}

#[test]
fn signatures_are_deterministic_but_keys_differ_per_salt() {
    let c = codec(JwsKey::hs256());
    let token = c.encode(&claims(NOW)).expect("encode");
    assert_eq!(c.encode(&claims(NOW)).expect("encode"), token);
    let secure = TokenCodec::new(
        TokenFormat::Jws(JwsKey::hs256()),
        &[SECRET],
        "__Secure-authjs.session-token",
    )
    .expect("codec");
    assert_invalid(secure.decode_at(&token, NOW), "other salt");
    // RS256 and EdDSA keys ignore the secrets; the cookie's name binds their tokens.
    for key in [JwsKey::eddsa(ED1), JwsKey::rs256(RS1)] {
        let token = codec(key.clone()).encode(&claims(NOW)).expect("encode");
        let same = TokenCodec::new(TokenFormat::Jws(key.clone()), &[] as &[&str], SALT)
            .expect("no secret needed");
        assert_eq!(same.decode_at(&token, NOW).expect("decode"), claims(NOW));
        let secure = TokenCodec::new(
            TokenFormat::Jws(key),
            &[] as &[&str],
            "__Secure-authjs.session-token",
        )
        .expect("codec");
        assert_invalid(secure.decode_at(&token, NOW), "the http cookie's token");
    }
}

#[test]
fn tokens_name_their_cookie() {
    let c = codec(JwsKey::rs256(RS1));
    let kid = kid_of(&c);
    let payload = serde_json::to_vec(&claims(NOW)).expect("json");
    let sign = |header: String| sign_raw(&header, &payload, &rs_key(RS1), Algorithm::RS256);
    // The slow path (members reordered) reads the cookie's name too.
    let token = sign(format!(
        r#"{{"cookie":"{SALT}","kid":"{kid}","alg":"RS256"}}"#
    ));
    assert_eq!(c.decode_at(&token, NOW).expect("its cookie"), claims(NOW));
    for header in [
        format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#),
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":"__Secure-{SALT}"}}"#),
        format!(
            r#"{{"alg":"RS256","kid":"{kid}","cookie":"{}"}}"#,
            SALT.to_uppercase()
        ),
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":null}}"#),
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":["{SALT}"]}}"#),
        r#"{"alg":"RS256"}"#.to_owned(),
    ] {
        assert_invalid(c.decode_at(&sign(header.clone()), NOW), &header);
    }
}

#[test]
fn wrong_key_or_secret_rejected() {
    let pairs = [
        (
            codec(JwsKey::hs256()),
            codec_with(JwsKey::hs256(), &["other"]),
        ),
        (codec(JwsKey::rs256(RS1)), codec(JwsKey::rs256(RS2))),
        (codec(JwsKey::eddsa(ED1)), codec(JwsKey::eddsa(ED2))),
    ];
    for (signer, reader) in pairs {
        let token = signer.encode(&claims(NOW)).expect("encode");
        assert_invalid(reader.decode_at(&token, NOW), "other key");
        // Even without a kid to pick the key, the signature does not verify.
        let mut parts = segments(&token);
        let mut header = header_of(&token);
        header.as_object_mut().expect("object").remove("kid");
        parts[0] = b64(header.to_string());
        assert_invalid(reader.decode_at(&parts.join("."), NOW), "no kid");
    }
    // The raw secret and the JWE key are not the HS256 key.
    let token = sign_raw(
        &format!(r#"{{"alg":"HS256","typ":"JWT","cookie":"{SALT}"}}"#),
        &serde_json::to_vec(&claims(NOW)).expect("json"),
        &EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
        Algorithm::HS256,
    );
    assert_invalid(codec(JwsKey::hs256()).decode_at(&token, NOW), "raw secret");
}

#[test]
fn alg_none_and_other_algs_rejected() {
    for key in [JwsKey::hs256(), JwsKey::rs256(RS1), JwsKey::eddsa(ED1)] {
        let c = codec(key);
        let kid = kid_of(&c);
        let payload = b64(serde_json::to_vec(&claims(NOW)).expect("json"));
        for header in [
            r#"{"alg":"none"}"#.to_owned(),
            r#"{"alg":"none","typ":"JWT"}"#.to_owned(),
            format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#),
            format!(r#"{{"alg":"None","kid":"{kid}"}}"#),
            format!(r#"{{"alg":"HS512","kid":"{kid}"}}"#),
            format!(r#"{{"alg":"hs256","kid":"{kid}"}}"#),
            format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{kid}"}}"#),
            format!(r#"{{"typ":"JWT","kid":"{kid}"}}"#),
            format!(r#"{{"alg":null,"kid":"{kid}"}}"#),
        ] {
            for signature in ["", "AAAA"] {
                let token = format!("{}.{payload}.{signature}", b64(&header));
                assert_invalid(c.decode_at(&token, NOW), &header);
            }
        }
        // The real token with its header swapped for `none` and the signature dropped.
        let mut parts = segments(&c.encode(&claims(NOW)).expect("encode"));
        parts[0] = b64(r#"{"alg":"none","typ":"JWT"}"#);
        parts[2] = String::new();
        assert_invalid(c.decode_at(&parts.join("."), NOW), "unsecured");
    }
}

#[test]
fn algorithm_confusion_rejected() {
    let payload = serde_json::to_vec(&claims(NOW)).expect("json");
    let rs = codec(JwsKey::rs256(RS1));
    let hs = codec(JwsKey::hs256());
    let ed = codec(JwsKey::eddsa(ED1));
    // HS256 "signed" with the RSA public key as the HMAC secret (the classic attack),
    // under the RSA key's kid and without one.
    let public_as_secret = EncodingKey::from_secret(RS1_PUB.as_bytes()).expect("key");
    for header in [
        format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, kid_of(&rs)),
        r#"{"alg":"HS256","typ":"JWT"}"#.to_owned(),
    ] {
        let token = sign_raw(&header, &payload, &public_as_secret, Algorithm::HS256);
        assert_invalid(rs.decode_at(&token, NOW), "HS256 to RS256");
    }
    // A genuine HS256 session token to an RS256 codec, and the other way round.
    let hs_token = hs.encode(&claims(NOW)).expect("encode");
    let rs_token = rs.encode(&claims(NOW)).expect("encode");
    let ed_token = ed.encode(&claims(NOW)).expect("encode");
    assert_invalid(rs.decode_at(&hs_token, NOW), "HS256 token, RS256 codec");
    assert_invalid(hs.decode_at(&rs_token, NOW), "RS256 token, HS256 codec");
    assert_invalid(ed.decode_at(&rs_token, NOW), "RS256 token, EdDSA codec");
    assert_invalid(rs.decode_at(&ed_token, NOW), "EdDSA token, RS256 codec");
    // The right key, the header's alg changed to another the key could sign with.
    for (name, alg) in [("RS512", Algorithm::RS512), ("PS256", Algorithm::PS256)] {
        let header = format!(r#"{{"alg":"{name}","kid":"{}"}}"#, kid_of(&rs));
        let token = sign_raw(&header, &payload, &rs_key(RS1), alg);
        assert_invalid(rs.decode_at(&token, NOW), name);
    }
}

#[test]
fn tampered_tokens_rejected() {
    for key in [JwsKey::hs256(), JwsKey::rs256(RS1), JwsKey::eddsa(ED1)] {
        let c = codec(key);
        let token = c.encode(&claims(NOW)).expect("encode");
        let parts = segments(&token);
        // One bit of the payload or of the signature.
        for (seg, pos) in [(1, 0), (1, 20), (2, 0), (2, -1)] {
            let mut parts = parts.clone();
            let mut bytes = URL_SAFE_NO_PAD.decode(&parts[seg]).expect("b64");
            let len = bytes.len() as isize;
            bytes[(if pos < 0 { len + pos } else { pos }) as usize] ^= 1;
            parts[seg] = b64(bytes);
            assert_invalid(c.decode_at(&parts.join("."), NOW), "flipped bit");
        }
        // Another payload under the same signature: an escalated role.
        let mut escalated = claims(NOW);
        escalated.insert("sub".into(), "user-2".into());
        let mut forged = parts.clone();
        forged[1] = b64(serde_json::to_vec(&escalated).expect("json"));
        assert_invalid(c.decode_at(&forged.join("."), NOW), "swapped payload");
        // Truncated, padded, emptied, or out of shape.
        let sig = &parts[2];
        for bad in [
            format!("{}.{}.{}", parts[0], parts[1], &sig[..sig.len() - 2]),
            format!("{}.{}.{sig}=", parts[0], parts[1]),
            format!("{}.{}.", parts[0], parts[1]),
            format!("{}.{}", parts[0], parts[1]),
            format!("{token}."),
            format!("{token}.."),
            format!("{}..{}", parts[0], sig),
            format!("{}.{}!.{sig}", parts[0], parts[1]),
            String::new(),
        ] {
            assert_invalid(c.decode_at(&bad, NOW), &bad);
        }
    }
}

#[test]
fn payload_must_be_a_json_object() {
    let c = codec(JwsKey::eddsa(ED1));
    let header = format!(
        r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}","cookie":"{SALT}"}}"#,
        kid_of(&c)
    );
    for payload in [&b"[1,2]"[..], b"\"exp\"", b"42", b"", b"{\"exp\":", b"\xff"] {
        let token = sign_raw(&header, payload, &ed_key(ED1), Algorithm::EdDSA);
        assert_invalid(c.decode_at(&token, NOW), &format!("{payload:?}"));
    }
}

#[test]
fn claim_checks_with_clock_tolerance() {
    let c = codec(JwsKey::hs256());
    let decode = |claims: Value| c.decode_at(&c.encode(&object(claims)).expect("encode"), NOW);
    assert!(decode(json!({ "exp": NOW - 14 })).is_ok(), "within 15 s");
    assert!(decode(json!({ "exp": NOW as f64 - 14.5 })).is_ok());
    for exp in [NOW - 15, NOW - 16, NOW - 3600, 0] {
        assert!(
            matches!(decode(json!({ "exp": exp })), Err(Error::TokenExpired)),
            "exp {exp}"
        );
    }
    assert!(decode(json!({ "exp": NOW + 60, "nbf": NOW + 15, "iat": NOW })).is_ok());
    assert_invalid(decode(json!({ "exp": NOW + 60, "nbf": NOW + 16 })), "nbf");
    assert_invalid(decode(json!({ "exp": NOW + 60, "nbf": "0" })), "nbf string");
    assert_invalid(decode(json!({ "exp": NOW + 60, "iat": "now" })), "iat");
    assert_invalid(
        decode(json!({ "exp": (NOW + 60).to_string() })),
        "exp string",
    );
    assert_invalid(decode(json!({ "exp": null })), "exp null");
    assert_invalid(decode(json!({ "sub": "x" })), "exp missing");
    assert_invalid(decode(json!({})), "no claims");
}

#[test]
fn key_rotation_by_kid() {
    let old = codec(JwsKey::rs256(RS1));
    let new = codec(JwsKey::rs256(RS2).verify_with(RS1_PUB));
    let old_token = old.encode(&claims(NOW)).expect("encode");
    let new_token = new.encode(&claims(NOW)).expect("encode");
    // New tokens are signed by the new key, under its kid; old ones still verify.
    assert_eq!(
        header_of(&new_token)["kid"],
        kid_of(&codec(JwsKey::rs256(RS2)))
    );
    assert_ne!(kid_of(&old), kid_of(&new));
    assert_eq!(new.decode_at(&old_token, NOW).expect("old"), claims(NOW));
    assert_eq!(new.decode_at(&new_token, NOW).expect("new"), claims(NOW));
    assert_invalid(old.decode_at(&new_token, NOW), "old codec, new key");
    // Once the old public key is dropped, its tokens end.
    assert_invalid(
        codec(JwsKey::rs256(RS2)).decode_at(&old_token, NOW),
        "old key dropped",
    );

    // The kid picks the key: a right signature under another kid, or an unknown one,
    // is rejected; without a kid every key is tried.
    let payload = serde_json::to_vec(&claims(NOW)).expect("json");
    let new_kid = kid_of(&new);
    let misfiled = sign_raw(
        &format!(r#"{{"alg":"RS256","kid":"{new_kid}","cookie":"{SALT}"}}"#),
        &payload,
        &rs_key(RS1),
        Algorithm::RS256,
    );
    assert_invalid(new.decode_at(&misfiled, NOW), "kid of the other key");
    for header in [
        format!(r#"{{"alg":"RS256","kid":"unknown","cookie":"{SALT}"}}"#),
        format!(r#"{{"alg":"RS256","kid":42,"cookie":"{SALT}"}}"#),
        format!(r#"{{"alg":"RS256","kid":null,"cookie":"{SALT}"}}"#),
    ] {
        let token = sign_raw(&header, &payload, &rs_key(RS1), Algorithm::RS256);
        assert_invalid(new.decode_at(&token, NOW), &header);
    }
    for signer in [RS1, RS2] {
        let token = sign_raw(
            &format!(r#"{{"alg":"RS256","cookie":"{SALT}"}}"#),
            &payload,
            &rs_key(signer),
            Algorithm::RS256,
        );
        assert_eq!(new.decode_at(&token, NOW).expect("no kid"), claims(NOW));
    }
    // An unusual header of the right alg and kid takes the slow path and verifies.
    let old_kid = kid_of(&old);
    let token = sign_raw(
        &format!(r#"{{"kid":"{old_kid}","typ":"JWT","alg":"RS256","cookie":"{SALT}"}}"#),
        &payload,
        &rs_key(RS1),
        Algorithm::RS256,
    );
    assert_eq!(new.decode_at(&token, NOW).expect("slow path"), claims(NOW));

    // EdDSA the same way; listing the signing key's own public key changes nothing.
    let ed = codec(JwsKey::eddsa(ED2).verify_with(ED1_PUB).verify_with(ED2_PUB));
    let ed_old = codec(JwsKey::eddsa(ED1))
        .encode(&claims(NOW))
        .expect("encode");
    assert_eq!(ed.decode_at(&ed_old, NOW).expect("old"), claims(NOW));
    assert_eq!(ed.as_jws().0.verifiers.len(), 2);

    // HS256 rotates with the secrets: the first signs, every one verifies.
    let token = codec_with(JwsKey::hs256(), &["new", "old"])
        .encode(&claims(NOW))
        .expect("encode");
    assert_eq!(
        codec_with(JwsKey::hs256(), &["x", "new"])
            .decode_at(&token, NOW)
            .expect("rotated"),
        claims(NOW)
    );
    assert_invalid(
        codec_with(JwsKey::hs256(), &["old"]).decode_at(&token, NOW),
        "old only",
    );
}

#[test]
fn unsupported_header_parameters_rejected() {
    let c = codec(JwsKey::rs256(RS1));
    let kid = kid_of(&c);
    let payload = serde_json::to_vec(&claims(NOW)).expect("json");
    for header in [
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":"{SALT}","crit":["exp"],"exp":1}}"#),
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":"{SALT}","b64":false,"crit":["b64"]}}"#),
        format!(r#"{{"alg":"RS256","kid":"{kid}","cookie":"{SALT}","b64":true}}"#),
        r#"["alg","RS256"]"#.to_owned(),
        String::new(),
    ] {
        let token = sign_raw(&header, &payload, &rs_key(RS1), Algorithm::RS256);
        assert_invalid(c.decode_at(&token, NOW), &header);
    }
}

#[test]
fn never_a_fallback_between_formats() {
    let payload = serde_json::to_vec(&claims(NOW)).expect("json");
    // A JWE codec (the default format) reads no JWS: signed with the raw secret, with
    // the derived HS256 key, or with an RSA key.
    let with_secret = sign_raw(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload,
        &EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
        Algorithm::HS256,
    );
    let with_derived = codec(JwsKey::hs256()).encode(&claims(NOW)).expect("encode");
    let with_rsa = codec(JwsKey::rs256(RS1))
        .encode(&claims(NOW))
        .expect("encode");
    for token in [&with_secret, &with_derived, &with_rsa] {
        assert_invalid(jwe().decode_at(token, NOW), "JWS to the JWE codec");
    }
    // And a JWS codec reads no JWE from the same secret and salt.
    let sealed = jwe().encode(&claims(NOW)).expect("encode");
    for key in [JwsKey::hs256(), JwsKey::rs256(RS1), JwsKey::eddsa(ED1)] {
        assert_invalid(codec(key).decode_at(&sealed, NOW), "JWE to a JWS codec");
    }
    // The derived key is neither the secret nor the JWE key.
    let derived = derived_key(SECRET, SALT);
    assert_ne!(&derived[..], SECRET.as_bytes());
    let token = sign_raw(
        &format!(r#"{{"alg":"HS256","cookie":"{SALT}"}}"#),
        &payload,
        &hs_key(SECRET),
        Algorithm::HS256,
    );
    assert!(codec(JwsKey::hs256()).decode_at(&token, NOW).is_ok());
}

#[test]
fn invalid_keys_fail_with_config_errors() {
    let none: &[&str] = &[];
    let build = |key: JwsKey| TokenCodec::new(TokenFormat::Jws(key), &[SECRET], SALT);
    let cases = [
        (
            JwsKey::rs256("not a key"),
            "(RS256): the private key is not an RSA private key",
        ),
        (JwsKey::rs256(""), "the private key is not"),
        (
            JwsKey::rs256(ED1),
            "the private key is not an RSA private key",
        ),
        (JwsKey::rs256(ES256), "the private key is not"),
        (JwsKey::rs256(RS1_PUB), "the private key is not"),
        (JwsKey::rs256(RS_1024), "has 1024 bits, at least 2048"),
        (
            JwsKey::eddsa(RS1),
            "(EdDSA): the private key is not an Ed25519 private key",
        ),
        (JwsKey::eddsa(ES256), "the private key is not"),
        (JwsKey::eddsa(ED1_PUB), "the private key is not"),
        (
            JwsKey::rs256(RS1).verify_with(RS1),
            "public key 0 (verify_with) is not an RSA public key",
        ),
        (
            JwsKey::rs256(RS1).verify_with(RS2_PUB).verify_with(ED1_PUB),
            "public key 1 (verify_with)",
        ),
        (
            JwsKey::eddsa(ED1).verify_with(RS1_PUB),
            "public key 0 (verify_with) is not an Ed25519",
        ),
        (JwsKey::eddsa(ED1).verify_with("garbage"), "public key 0"),
        (
            JwsKey::hs256().verify_with(RS1_PUB),
            "public keys (verify_with) need RS256 or EdDSA",
        ),
    ];
    for (key, needle) in cases {
        assert_config(build(key), needle);
    }
    assert_config(
        TokenCodec::new(TokenFormat::Jws(JwsKey::hs256()), none, SALT),
        "at least one secret",
    );
    assert_config(
        TokenCodec::new(TokenFormat::Jws(JwsKey::hs256()), &["ok", ""], SALT),
        "secret at index 1 is empty",
    );
}

#[test]
fn debug_hides_key_material() {
    let key = JwsKey::rs256(RS1).verify_with(RS2_PUB);
    assert_eq!(
        format!("{key:?}"),
        r#"JwsKey { alg: "RS256", public_keys: 1, .. }"#
    );
    let pem_body = RS1.lines().nth(1).expect("PEM body");
    for c in [codec(key), codec(JwsKey::hs256())] {
        let debug = format!("{c:?}");
        assert!(
            debug.contains("Jws(JwsKey") && debug.contains(SALT),
            "{debug}"
        );
        assert!(!debug.contains(pem_body) && !debug.contains(SECRET));
        assert!(!debug.contains(&kid_of(&c)));
    }
}

#[test]
fn config_option() {
    use crate::{AuthConfig, Check};
    let builder = || {
        AuthConfig::builder()
            .secret(SECRET)
            .url("http://localhost:3000")
    };
    let config = builder()
        .session_jws(JwsKey::eddsa(ED1))
        .build()
        .expect("builds");
    for secure in [false, true] {
        let session = config.token_codec(secure);
        assert_eq!(session.format(), &TokenFormat::Jws(JwsKey::eddsa(ED1)));
        assert_eq!(session.salt(), config.cookie_names(secure).session_token);
        let token = session.encode(&claims(NOW)).expect("encode");
        assert_eq!(segments(&token).len(), 3);
        // The check cookies stay encrypted.
        for check in [Check::State, Check::Pkce, Check::Nonce] {
            let codec = config.check_codec(secure, check);
            assert_eq!(codec.format(), &TokenFormat::AuthJsV5);
            assert_eq!(
                segments(&codec.encode(&claims(NOW)).expect("encode")).len(),
                5
            );
        }
    }
    assert_eq!(config.base_path(), "/auth");
    assert!(format!("{config:?}").contains(r#"format: Jws(JwsKey { alg: "EdDSA""#));
    // HS256 keys differ per scheme (the salt is the cookie name).
    let hs = builder()
        .session_jws(JwsKey::hs256())
        .build()
        .expect("builds");
    let token = hs.token_codec(false).encode(&claims(NOW)).expect("encode");
    assert_invalid(hs.token_codec(true).decode_at(&token, NOW), "https codec");
    // Without the option the session is the JWE.
    let default = builder().build().expect("builds");
    assert_eq!(default.token_codec(false).format(), &TokenFormat::AuthJsV5);

    // Invalid keys and the NextAuth.js v4 mode fail at build, whatever the order.
    let err = |b: crate::AuthConfigBuilder| match b.build() {
        Err(Error::Config(message)) => message,
        other => panic!("expected Error::Config, got {other:?}"),
    };
    assert!(
        err(builder().session_jws(JwsKey::rs256("-----BEGIN"))).contains("JWS session key (RS256)")
    );
    for b in [
        builder().session_jws(JwsKey::hs256()).nextauth_v4_compat(),
        builder().nextauth_v4_compat().session_jws(JwsKey::hs256()),
    ] {
        assert!(err(b).contains("session_jws cannot be combined with nextauth_v4_compat"));
    }
}
