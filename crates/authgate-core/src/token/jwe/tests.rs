use super::super::jose::Claims;
use super::*;
use crate::{TokenCodec, TokenFormat};

/// Auth.js test vectors (copied from shared/vectors).
const VECTORS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
/// When the vectors were generated (their `iat`).
const VECTOR_NOW: i64 = 1_795_373_425;
const NOW: i64 = 1_800_000_000;

fn load(name: &str) -> Value {
    let path = format!("{VECTORS_DIR}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key}"))
}

fn vectors(file: &Value) -> &Vec<Value> {
    file["vectors"].as_array().expect("vectors array")
}

fn codec(format: TokenFormat, secrets: &[&str], salt: &str) -> TokenCodec {
    TokenCodec::new(format, secrets, salt).expect("valid codec")
}

fn object(value: Value) -> Claims {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn sample_claims(now: i64) -> Claims {
    object(serde_json::json!({
        "sub": "user-1",
        "name": "Ünïcødé 名前",
        "email": "alice@example.com",
        "iat": now,
        "exp": now + 3600,
        "jti": "1272c684-f12e-4953-90aa-0fc8007884d6",
    }))
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Flips one bit of the decoded bytes of segment `seg`, at `pos` (from the end if negative).
fn tamper(token: &str, seg: usize, pos: isize) -> String {
    let mut parts = segments(token);
    let mut bytes = URL_SAFE_NO_PAD
        .decode(&parts[seg])
        .expect("segment is base64url");
    let len = bytes.len() as isize;
    let idx = if pos < 0 { len + pos } else { pos } as usize;
    bytes[idx] ^= 0x01;
    parts[seg] = b64(bytes);
    parts.join(".")
}

fn assert_invalid(result: Result<Claims, Error>, what: &str) {
    assert!(
        matches!(result, Err(Error::InvalidToken(_))),
        "{what}: expected InvalidToken, got {result:?}"
    );
}

/// Encrypts `plaintext` under an arbitrary header with the codec's first key.
fn seal_raw(c: &TokenCodec, enc: Enc, header: &str, plaintext: &[u8]) -> String {
    seal(&c.as_jwe().keys[0], enc, &b64(header), plaintext.to_vec()).expect("seal")
}

fn claims_json(now: i64) -> Vec<u8> {
    serde_json::to_vec(&sample_claims(now)).expect("serialize")
}

#[test]
fn gcm_header_segment_constant() {
    assert_eq!(GCM_HEADER_SEGMENT, b64(r#"{"alg":"dir","enc":"A256GCM"}"#));
}

#[test]
fn v5_vectors_decode_to_expected_claims() {
    let file = load("authjs-v5.json");
    let (secret, old) = (text(&file, "secret"), text(&file, "secret_rotation_old"));
    let mut checked = 0;
    for v in vectors(&file) {
        let Some(decoded) = v.get("decoded").filter(|d| d.is_object()) else {
            continue;
        };
        let secrets = match text(v, "secret_used") {
            "secret" => vec![secret],
            "secret_rotation_old" => vec![secret, old],
            other => panic!("unknown secret_used {other}"),
        };
        let c = codec(TokenFormat::AuthJsV5, &secrets, text(v, "salt"));
        let expected = object(decoded.clone());
        assert_eq!(c.decode(text(v, "jwe")).expect("decodes"), expected);
        assert_eq!(
            c.decode_at(text(v, "jwe"), VECTOR_NOW).expect("decodes"),
            expected
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn v5_rotated_vector_needs_old_secret() {
    let file = load("authjs-v5.json");
    let (secret, old) = (text(&file, "secret"), text(&file, "secret_rotation_old"));
    let v = vectors(&file)
        .iter()
        .find(|v| v["secret_used"] == "secret_rotation_old")
        .expect("rotation vector");
    let (jwe, salt) = (text(v, "jwe"), text(v, "salt"));
    assert_invalid(
        codec(TokenFormat::AuthJsV5, &[secret], salt).decode(jwe),
        "current secret only",
    );
    assert!(codec(TokenFormat::AuthJsV5, &[old], salt)
        .decode(jwe)
        .is_ok());
    assert!(codec(TokenFormat::AuthJsV5, &[secret, old], salt)
        .decode(jwe)
        .is_ok());
}

fn assert_expired_vectors(file: &Value, c: &TokenCodec) {
    let expired: Vec<_> = vectors(file)
        .iter()
        .filter(|v| v["expect"] == "rejected: expired")
        .collect();
    assert!(!expired.is_empty());
    for v in expired {
        assert!(matches!(c.decode(text(v, "jwe")), Err(Error::TokenExpired)));
        assert!(matches!(
            c.decode_at(text(v, "jwe"), VECTOR_NOW),
            Err(Error::TokenExpired)
        ));
    }
}

#[test]
fn v5_expired_vectors_rejected() {
    let file = load("authjs-v5.json");
    let c = codec(
        TokenFormat::AuthJsV5,
        &[text(&file, "secret")],
        "authjs.session-token",
    );
    assert_expired_vectors(&file, &c);
}

#[test]
fn v4_vectors_decode_and_expired_rejected() {
    let file = load("nextauth-v4.json");
    let c = codec(TokenFormat::NextAuthV4, &[text(&file, "secret")], "");
    let mut checked = 0;
    for v in vectors(&file) {
        if let Some(decoded) = v.get("decoded").filter(|d| d.is_object()) {
            let expected = object(decoded.clone());
            assert_eq!(c.decode(text(v, "jwe")).expect("decodes"), expected);
            assert_eq!(
                c.decode_at(text(v, "jwe"), VECTOR_NOW).expect("decodes"),
                expected
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2);
    assert_expired_vectors(&file, &c);
    // A secret list where the right secret is not first still works (no kid: try each).
    let rotated = codec(
        TokenFormat::NextAuthV4,
        &["other", text(&file, "secret")],
        "",
    );
    assert!(rotated.decode(text(&vectors(&file)[0], "jwe")).is_ok());
    // Salted v4 keys differ from the unsalted session-cookie keys.
    let salted = codec(TokenFormat::NextAuthV4, &[text(&file, "secret")], "x");
    assert_invalid(salted.decode(text(&vectors(&file)[0], "jwe")), "salted v4");
}

#[test]
fn v5_header_matches_authjs() {
    let file = load("authjs-v5.json");
    let secret = text(&file, "secret");
    let mut salts: Vec<&str> = vectors(&file)
        .iter()
        .filter(|v| v["secret_used"] == "secret")
        .map(|v| text(v, "salt"))
        .collect();
    salts.dedup();
    for salt in salts {
        let expected = vectors(&file)
            .iter()
            .find(|v| v["secret_used"] == "secret" && v["salt"] == salt)
            .map(|v| segments(text(v, "jwe"))[0].clone())
            .expect("vector");
        let token = codec(TokenFormat::AuthJsV5, &[secret], salt)
            .encode(&sample_claims(NOW))
            .expect("encode");
        assert_eq!(segments(&token)[0], expected, "salt {salt}");
    }
}

#[test]
fn round_trip_v5() {
    let c = codec(TokenFormat::AuthJsV5, &["s3cret"], "authjs.session-token");
    let claims = sample_claims(NOW);
    let token = c.encode(&claims).expect("encode");
    let parts = segments(&token);
    assert_eq!(parts.len(), 5);
    let header = URL_SAFE_NO_PAD.decode(&parts[0]).expect("header");
    let kid = &c.as_jwe().keys[0].cbc_kid;
    assert_eq!(
        String::from_utf8(header).expect("utf8"),
        format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{kid}"}}"#)
    );
    assert_eq!(
        (parts[1].len(), parts[2].len(), parts[4].len()),
        (0, 22, 43)
    );
    assert_eq!(c.decode_at(&token, NOW).expect("decode"), claims);
    assert_eq!(
        c.decode(&c.encode(&sample_claims(now())).expect("encode"))
            .expect("decode"),
        sample_claims(now())
    );
    assert_ne!(
        c.encode(&claims).expect("encode"),
        token,
        "IV must be random"
    );
    assert_invalid(
        codec(
            TokenFormat::AuthJsV5,
            &["s3cret"],
            "__Secure-authjs.session-token",
        )
        .decode_at(&token, NOW),
        "other salt",
    );
}

#[test]
fn round_trip_v4() {
    let c = codec(TokenFormat::NextAuthV4, &["s3cret"], "");
    let claims = sample_claims(NOW);
    let token = c.encode(&claims).expect("encode");
    let parts = segments(&token);
    assert_eq!(parts[0], GCM_HEADER_SEGMENT);
    assert_eq!(
        (parts.len(), parts[1].len(), parts[2].len(), parts[4].len()),
        (5, 0, 16, 22)
    );
    assert_eq!(c.decode_at(&token, NOW).expect("decode"), claims);
    assert_ne!(
        c.encode(&claims).expect("encode"),
        token,
        "IV must be random"
    );
}

/// Tokens around the size whose decoded segment still fits the stack room of a read
/// (`jose::Scratch`), in every format: each size reads back, and a tampered one fails.
#[test]
fn tokens_on_both_sides_of_the_stack_room_round_trip() {
    let formats = [
        TokenFormat::AuthJsV5,
        TokenFormat::NextAuthV4,
        TokenFormat::Jws(crate::JwsKey::hs256()),
    ];
    for format in formats {
        let c = codec(format.clone(), &["s3cret"], "authjs.session-token");
        // The claims JSON is ~150 bytes plus the name: from well under 2 kB to over.
        for name_len in [1800, 1880, 1890, 1895, 1900, 1910, 1920, 2100, 6000] {
            let mut claims = sample_claims(NOW);
            claims.insert("name".into(), Value::String("n".repeat(name_len)));
            let token = c.encode(&claims).expect("encode");
            assert_eq!(
                c.decode_at(&token, NOW).expect("decode"),
                claims,
                "{format:?}"
            );
            let typed = c.decode_token_at(&token, NOW).expect("decode_token");
            assert_eq!(typed.name.map(|n| n.len()), Some(name_len), "{format:?}");
            let payload = if matches!(format, TokenFormat::Jws(_)) {
                1
            } else {
                3
            };
            assert_invalid(c.decode_at(&tamper(&token, payload, 5), NOW), "tampered");
        }
    }
}

fn now() -> i64 {
    crate::time_now()
}

#[test]
fn tampered_segments_rejected() {
    for format in [TokenFormat::AuthJsV5, TokenFormat::NextAuthV4] {
        let c = codec(format.clone(), &["s3cret"], "authjs.session-token");
        let token = c.encode(&sample_claims(NOW)).expect("encode");
        assert!(c.decode_at(&token, NOW).is_ok());
        for seg in [0, 2, 3, 4] {
            for pos in [0, 5, -1] {
                assert_invalid(
                    c.decode_at(&tamper(&token, seg, pos), NOW),
                    &format!("{format:?} segment {seg} byte {pos}"),
                );
            }
        }
        // A different but valid header (same kid) must fail authentication.
        let mut parts = segments(&token);
        let header =
            String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[0]).expect("b64")).expect("utf8");
        parts[0] = b64(header.replacen('{', r#"{"typ":"JWT","#, 1));
        assert_invalid(c.decode_at(&parts.join("."), NOW), "header changed");
    }
}

#[test]
fn unsupported_headers_rejected() {
    let c = codec(TokenFormat::AuthJsV5, &["s3cret"], "authjs.session-token");
    let pt = claims_json(NOW);
    let kid = c.as_jwe().keys[0].cbc_kid.clone();
    // Control: an unusual but acceptable header goes through the slow path and decodes.
    let ok = seal_raw(
        &c,
        Enc::A256CbcHs512,
        r#"{"enc":"A256CBC-HS512","typ":"JWT","alg":"dir"}"#,
        &pt,
    );
    assert!(c.decode_at(&ok, NOW).is_ok());
    let bad_headers = [
        r#"{"alg":"none","enc":"A256CBC-HS512"}"#.to_owned(),
        r#"{"alg":"A256KW","enc":"A256CBC-HS512"}"#.to_owned(),
        r#"{"enc":"A256CBC-HS512"}"#.to_owned(),
        r#"{"alg":"dir","enc":"A128CBC-HS256"}"#.to_owned(),
        r#"{"alg":"dir"}"#.to_owned(),
        r#"{"alg":"dir","enc":"A256CBC-HS512","zip":"DEF"}"#.to_owned(),
        r#"{"alg":"dir","enc":"A256CBC-HS512","crit":["exp"],"exp":1}"#.to_owned(),
        r#"{"alg":"dir","enc":"A256CBC-HS512","kid":42}"#.to_owned(),
        r#"{"alg":"dir","enc":"A256CBC-HS512","kid":"unknown"}"#.to_owned(),
        format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{kid}"}}"#),
        r#"["alg","dir"]"#.to_owned(),
        String::new(),
    ];
    for header in &bad_headers {
        let token = seal_raw(&c, Enc::A256CbcHs512, header, &pt);
        assert_invalid(c.decode_at(&token, NOW), header);
    }
    // alg "none" spliced onto a valid token.
    let mut parts = segments(&c.encode(&sample_claims(NOW)).expect("encode"));
    parts[0] = b64(r#"{"alg":"none"}"#);
    assert_invalid(c.decode_at(&parts.join("."), NOW), "alg none");
    parts[2] = String::new();
    parts[3] = b64(&pt);
    parts[4] = String::new();
    assert_invalid(c.decode_at(&parts.join("."), NOW), "unsecured");
}

#[test]
fn wrong_secret_rejected() {
    for format in [TokenFormat::AuthJsV5, TokenFormat::NextAuthV4] {
        let token = codec(format.clone(), &["right"], "authjs.session-token")
            .encode(&sample_claims(NOW))
            .expect("encode");
        let wrong = codec(
            format.clone(),
            &["wrong", "also-wrong"],
            "authjs.session-token",
        );
        assert_invalid(wrong.decode_at(&token, NOW), "wrong secret");
    }
    // Without kid every secret is tried, and all fail.
    let right = codec(TokenFormat::AuthJsV5, &["right"], "authjs.session-token");
    let token = seal_raw(
        &right,
        Enc::A256CbcHs512,
        r#"{"alg":"dir","enc":"A256CBC-HS512"}"#,
        &claims_json(NOW),
    );
    assert!(right.decode_at(&token, NOW).is_ok());
    let wrong = codec(
        TokenFormat::AuthJsV5,
        &["wrong", "also-wrong"],
        "authjs.session-token",
    );
    assert_invalid(wrong.decode_at(&token, NOW), "wrong secret, no kid");
}

#[test]
fn malformed_tokens_rejected() {
    for format in [TokenFormat::AuthJsV5, TokenFormat::NextAuthV4] {
        let c = codec(format.clone(), &["s3cret"], "authjs.session-token");
        let token = c.encode(&sample_claims(NOW)).expect("encode");
        let parts = segments(&token);
        let with = |i: usize, s: &str| {
            let mut p = parts.clone();
            p[i] = s.to_owned();
            p.join(".")
        };
        let mut cases = vec![
            ("empty", String::new()),
            ("truncated", token[..token.len() - 10].to_owned()),
            ("four segments", parts[..4].join(".")),
            ("extra segment", format!("{token}.AAAA")),
            ("trailing dot", format!("{token}.")),
            ("encrypted key", with(1, "AAAAAAAAAAAAAAAAAAAAAA")),
            ("empty ciphertext", with(3, "")),
            ("empty iv", with(2, "")),
            ("empty tag", with(4, "")),
            ("short tag", with(4, &parts[4][..parts[4].len() - 1])),
            ("long iv", with(2, &format!("{}AA", parts[2]))),
            (
                "bad char",
                with(
                    3,
                    &parts[3].replacen(|c: char| c.is_ascii_alphanumeric(), "*", 1),
                ),
            ),
            ("std alphabet", with(3, &format!("+/{}", &parts[3][2..]))),
        ];
        for (i, part) in parts.iter().enumerate() {
            if !part.is_empty() {
                cases.push(("padding", with(i, &format!("{part}="))));
            }
        }
        for (what, bad) in cases {
            assert_invalid(c.decode_at(&bad, NOW), &format!("{format:?} {what}"));
        }
    }
    // CBC ciphertext that authenticates but is not a whole number of blocks.
    let c = codec(TokenFormat::AuthJsV5, &["s3cret"], "x");
    let mut parts = segments(&c.encode(&sample_claims(NOW)).expect("encode"));
    let mut ct = URL_SAFE_NO_PAD.decode(&parts[3]).expect("b64");
    ct.pop();
    parts[3] = b64(ct);
    assert_invalid(c.decode_at(&parts.join("."), NOW), "partial block");
}

#[test]
fn gcm_token_with_v5_key_decodes() {
    let c = codec(
        TokenFormat::AuthJsV5,
        &["other", "s3cret"],
        "authjs.session-token",
    );
    let signer = codec(TokenFormat::AuthJsV5, &["s3cret"], "authjs.session-token");
    let kid = &signer.as_jwe().keys[0].gcm_kid;
    let pt = claims_json(NOW);
    let with_kid = seal_raw(
        &signer,
        Enc::A256Gcm,
        &format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{kid}"}}"#),
        &pt,
    );
    let no_kid = seal(
        &signer.as_jwe().keys[0],
        Enc::A256Gcm,
        GCM_HEADER_SEGMENT,
        pt.clone(),
    )
    .expect("seal");
    for token in [with_kid, no_kid] {
        assert_eq!(
            c.decode_at(&token, NOW).expect("decode"),
            sample_claims(NOW)
        );
    }
    // And a v4 codec accepts A256CBC-HS512 with its own key derivation.
    let v4 = codec(TokenFormat::NextAuthV4, &["s3cret"], "");
    let kid = &v4.as_jwe().keys[0].cbc_kid;
    for header in [
        r#"{"alg":"dir","enc":"A256CBC-HS512"}"#.to_owned(),
        format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{kid}"}}"#),
    ] {
        let token = seal_raw(&v4, Enc::A256CbcHs512, &header, &pt);
        assert_eq!(
            v4.decode_at(&token, NOW).expect("decode"),
            sample_claims(NOW)
        );
    }
}

#[test]
fn payload_must_be_json_object() {
    let c = codec(TokenFormat::AuthJsV5, &["s3cret"], "authjs.session-token");
    let header = r#"{"alg":"dir","enc":"A256CBC-HS512"}"#;
    for payload in [
        &b"[1,2]"[..],
        b"\"exp\"",
        b"42",
        b"",
        b"{\"exp\":",
        b"\xff\xfe",
    ] {
        let token = seal_raw(&c, Enc::A256CbcHs512, header, payload);
        assert_invalid(c.decode_at(&token, NOW), &format!("{payload:?}"));
    }
}

#[test]
fn claim_checks_with_clock_tolerance() {
    let c = codec(TokenFormat::AuthJsV5, &["s3cret"], "authjs.session-token");
    let token = |claims: Value| c.encode(&object(claims)).expect("encode");
    let decode = |claims: Value| c.decode_at(&token(claims), NOW);
    assert!(decode(serde_json::json!({ "exp": NOW - 10 })).is_ok());
    assert!(decode(serde_json::json!({ "exp": NOW as f64 - 14.5 })).is_ok());
    for exp in [NOW - 15, NOW - 16, 0] {
        assert!(matches!(
            decode(serde_json::json!({ "exp": exp })),
            Err(Error::TokenExpired)
        ));
    }
    assert!(decode(serde_json::json!({ "exp": NOW + 60, "nbf": NOW + 10, "iat": NOW })).is_ok());
    assert_invalid(
        decode(serde_json::json!({ "exp": NOW + 60, "nbf": NOW + 16 })),
        "nbf",
    );
    assert_invalid(
        decode(serde_json::json!({ "exp": NOW + 60, "nbf": "0" })),
        "nbf string",
    );
    assert_invalid(
        decode(serde_json::json!({ "exp": NOW + 60, "iat": "now" })),
        "iat string",
    );
    assert_invalid(
        decode(serde_json::json!({ "exp": (NOW + 60).to_string() })),
        "exp string",
    );
    assert_invalid(decode(serde_json::json!({ "exp": null })), "exp null");
    assert_invalid(decode(serde_json::json!({ "sub": "x" })), "exp missing");
}

#[test]
fn rotation() {
    let salt = "authjs.session-token";
    for format in [TokenFormat::AuthJsV5, TokenFormat::NextAuthV4] {
        let token = codec(format.clone(), &["new", "old"], salt)
            .encode(&sample_claims(NOW))
            .expect("encode");
        assert_invalid(
            codec(format.clone(), &["old"], salt).decode_at(&token, NOW),
            "old only",
        );
        assert_eq!(
            codec(format.clone(), &["x", "new"], salt)
                .decode_at(&token, NOW)
                .expect("decode"),
            sample_claims(NOW)
        );
    }
}

#[test]
fn constructor_and_accessors() {
    let none: &[&str] = &[];
    assert!(matches!(
        TokenCodec::new(TokenFormat::AuthJsV5, none, "s"),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        TokenCodec::new(TokenFormat::AuthJsV5, &[""], "s"),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        TokenCodec::new(TokenFormat::NextAuthV4, &[b"a".to_vec(), Vec::new()], ""),
        Err(Error::Config(_))
    ));
    let c = TokenCodec::new(TokenFormat::NextAuthV4, &[b"bytes".to_vec()], "cookie").expect("ok");
    assert_eq!((c.format(), c.salt()), (&TokenFormat::NextAuthV4, "cookie"));
    assert_eq!(TokenFormat::default(), TokenFormat::AuthJsV5);
    let cloned = c.clone();
    let token = c.encode(&sample_claims(NOW)).expect("encode");
    assert!(cloned.decode_at(&token, NOW).is_ok());
}

#[test]
fn debug_hides_key_material() {
    let secret = "super-secret-value";
    let c = codec(TokenFormat::AuthJsV5, &[secret], "authjs.session-token");
    let debug = format!("{c:?}");
    assert!(debug.contains("AuthJsV5") && debug.contains("authjs.session-token"));
    assert!(!debug.contains(secret));
    assert!(
        !debug.contains(&c.as_jwe().keys[0].cbc_kid)
            && !debug.contains(&c.as_jwe().keys[0].gcm_kid)
    );
    assert!(!debug.contains("cbc") && !debug.contains("gcm") && !debug.contains("mac"));
}
