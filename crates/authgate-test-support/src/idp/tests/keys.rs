//! The JWKS, id_tokens of every algorithm verified against it, key rotation.

use jsonwebtoken::jwk::{AlgorithmParameters, KeyAlgorithm, PublicKeyUse};
use serde_json::json;

use super::*;
use crate::idp::{IdpConfig, SigningAlg};

#[tokio::test]
async fn the_jwks_publishes_one_signing_key_per_algorithm() {
    let idp = MockIdp::start().await;
    let jwks = fetch_jwks(&idp).await;
    let summary: Vec<(String, Option<KeyAlgorithm>, &str)> = jwks
        .keys
        .iter()
        .map(|k| {
            assert_eq!(k.common.public_key_use, Some(PublicKeyUse::Signature));
            let kty = match &k.algorithm {
                AlgorithmParameters::RSA(_) => "RSA",
                AlgorithmParameters::EllipticCurve(_) => "EC",
                AlgorithmParameters::OctetKeyPair(_) => "OKP",
                _ => "other",
            };
            (
                k.common.key_id.clone().unwrap_or_default(),
                k.common.key_algorithm,
                kty,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("rs256-1".into(), Some(KeyAlgorithm::RS256), "RSA"),
            ("ps256-1".into(), Some(KeyAlgorithm::PS256), "RSA"),
            ("es256-1".into(), Some(KeyAlgorithm::ES256), "EC"),
            ("eddsa-1".into(), Some(KeyAlgorithm::EdDSA), "OKP"),
        ]
    );
    // The raw JSON has the members a client reads, and nothing private.
    let raw = json_of(
        http()
            .get(format!("{}/jwks", base(&idp)))
            .send()
            .await
            .expect("jwks"),
    )
    .await;
    let keys = raw["keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["e"], "AQAB");
    assert!(keys[0]["n"].as_str().is_some_and(|n| n.len() == 342));
    assert_eq!(keys[2]["crv"], "P-256");
    assert_eq!(keys[3]["crv"], "Ed25519");
    assert_eq!(keys[3]["use"], "sig");
    for key in &keys {
        assert!(key.get("d").is_none(), "{key}");
    }
}

#[tokio::test]
async fn id_tokens_of_every_algorithm_verify_against_the_jwks() {
    let idp = MockIdp::start().await;
    for alg in SigningAlg::ALL {
        idp.set_signing_alg(alg);
        let id_token = login_id_token(&idp).await;
        let header = jsonwebtoken::decode_header(&id_token).expect("a header");
        assert_eq!(header.alg, alg.algorithm(), "{alg:?}");
        assert_eq!(header.kid.as_deref(), Some(idp.current_kid().as_str()));
        let claims = verify(&idp, &id_token).await.expect("a valid id_token");
        assert_eq!(claims["sub"], "idp-user-1", "{alg:?}");
        assert_eq!(claims["nonce"], NONCE);
    }
}

#[tokio::test]
async fn the_configured_algorithm_signs_from_the_start() {
    let idp = MockIdp::start_with(IdpConfig {
        signing_alg: SigningAlg::EdDSA,
        ..IdpConfig::default()
    })
    .await;
    let (header, _) = peek(&login_id_token(&idp).await);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], "eddsa-1");
    assert_eq!(header["typ"], "JWT");
}

#[tokio::test]
async fn rotation_publishes_a_new_kid_and_drops_the_old_key() {
    let idp = MockIdp::start().await;
    let cached = fetch_jwks(&idp).await;
    let before = login_id_token(&idp).await;
    verify_with(&idp, &cached, &before).expect("valid before the rotation");

    idp.rotate_keys();
    assert_eq!(idp.current_kid(), "rs256-2");
    let after = login_id_token(&idp).await;
    let (header, _) = peek(&after);
    assert_eq!(header["kid"], "rs256-2");
    assert!(
        cached.find("rs256-2").is_none(),
        "a cached JWKS does not know the new kid"
    );
    assert!(verify_with(&idp, &cached, &after).is_err());

    let fresh = fetch_jwks(&idp).await;
    assert!(fresh.find("rs256-1").is_none(), "the old key is gone");
    verify_with(&idp, &fresh, &after).expect("valid with the fresh JWKS");
    assert!(verify_with(&idp, &fresh, &before).is_err());
    // The new key really is another key, not the old one renamed.
    assert_ne!(
        json!(fresh.find("rs256-2").map(|k| &k.algorithm)),
        json!(cached.find("rs256-1").map(|k| &k.algorithm))
    );

    // Every algorithm rotates.
    idp.set_signing_alg(SigningAlg::ES256);
    let es = login_id_token(&idp).await;
    assert_eq!(peek(&es).0["kid"], "es256-2");
    verify(&idp, &es).await.expect("valid");
    assert_eq!(idp.calls().jwks, 3);
}
