//! The provider's signing keys: two committed test-only PEM keys per algorithm, their
//! public JWKs, and the id_token signer.
//!
//! A key *generation* picks the key of each pair: generation `g` signs with key
//! `g % 2` under the kid `{alg}-{g + 1}`, so every rotation publishes a new kid and the
//! key the JWKS no longer holds is the other one of the pair.

use std::sync::LazyLock;

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

use crate::b64url;

/// The algorithms the mock provider signs id_tokens with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA 2048), the OIDC default.
    #[default]
    RS256,
    /// RSASSA-PSS with SHA-256 (RSA 2048).
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl SigningAlg {
    /// Every algorithm, in the order the JWKS lists their keys.
    pub const ALL: [SigningAlg; 4] = [Self::RS256, Self::PS256, Self::ES256, Self::EdDSA];

    /// The JOSE name (`alg` of a header or a JWK).
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }

    /// The `jsonwebtoken` algorithm, to verify a token with.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Self::RS256 => Algorithm::RS256,
            Self::PS256 => Algorithm::PS256,
            Self::ES256 => Algorithm::ES256,
            Self::EdDSA => Algorithm::EdDSA,
        }
    }

    /// The two PEM keys of this algorithm and the parser for them.
    fn pems(self) -> ([&'static str; 2], PemParser) {
        match self {
            Self::RS256 => (
                [
                    include_str!("../../keys/rs256-1.pem"),
                    include_str!("../../keys/rs256-2.pem"),
                ],
                EncodingKey::from_rsa_pem,
            ),
            Self::PS256 => (
                [
                    include_str!("../../keys/ps256-1.pem"),
                    include_str!("../../keys/ps256-2.pem"),
                ],
                EncodingKey::from_rsa_pem,
            ),
            Self::ES256 => (
                [
                    include_str!("../../keys/es256-1.pem"),
                    include_str!("../../keys/es256-2.pem"),
                ],
                EncodingKey::from_ec_pem,
            ),
            Self::EdDSA => (
                [
                    include_str!("../../keys/eddsa-1.pem"),
                    include_str!("../../keys/eddsa-2.pem"),
                ],
                EncodingKey::from_ed_pem,
            ),
        }
    }

    fn index(self) -> usize {
        match self {
            Self::RS256 => 0,
            Self::PS256 => 1,
            Self::ES256 => 2,
            Self::EdDSA => 3,
        }
    }
}

type PemParser = fn(&[u8]) -> jsonwebtoken::errors::Result<EncodingKey>;

/// A private key and its public JWK (no kid yet: that depends on the generation).
struct KeyPair {
    private: EncodingKey,
    public: Jwk,
}

/// Every key pair, parsed once: `[alg index][0 or 1]`.
static KEYS: LazyLock<Vec<[KeyPair; 2]>> = LazyLock::new(|| {
    SigningAlg::ALL
        .iter()
        .map(|&alg| {
            let (pems, parse) = alg.pems();
            pems.map(|pem| {
                let private = parse(pem.as_bytes()).expect("committed test key parses");
                let public = Jwk::from_encoding_key(&private, alg.algorithm())
                    .expect("public JWK of a committed test key");
                KeyPair { private, public }
            })
        })
        .collect()
});

fn pair(alg: SigningAlg, slot: usize) -> &'static KeyPair {
    &KEYS[alg.index()][slot % 2]
}

/// The kid under which `generation` publishes `alg`'s key.
pub(crate) fn kid(alg: SigningAlg, generation: u32) -> String {
    format!("{}-{}", alg.name().to_ascii_lowercase(), generation + 1)
}

/// The JWKS of a generation: one key per algorithm, with kid, `use: sig` and `alg`.
pub(crate) fn jwks(generation: u32) -> JwkSet {
    let keys = SigningAlg::ALL
        .iter()
        .map(|&alg| {
            let mut jwk = pair(alg, generation as usize).public.clone();
            jwk.common.key_id = Some(kid(alg, generation));
            jwk.common.public_key_use = Some(PublicKeyUse::Signature);
            jwk
        })
        .collect();
    JwkSet { keys }
}

/// How an id_token is signed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Signature {
    /// With the generation's published key.
    Valid,
    /// With the other key of the pair (not in the JWKS), under the published kid.
    WrongKey,
    /// Not at all: `alg: none` and an empty signature.
    None,
}

/// A compact JWS of `claims`, with `typ: JWT` and the generation's kid.
pub(crate) fn sign(
    claims: &Value,
    alg: SigningAlg,
    generation: u32,
    signature: Signature,
) -> jsonwebtoken::errors::Result<String> {
    let kid = kid(alg, generation);
    let slot = match signature {
        Signature::Valid => generation as usize,
        Signature::WrongKey => generation as usize + 1,
        Signature::None => return Ok(unsigned(claims, &kid)),
    };
    let mut header = Header::new(alg.algorithm());
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, claims, &pair(alg, slot).private)
}

/// An unsecured JWS (RFC 7515 appendix A.5): `alg: none`, empty signature.
fn unsigned(claims: &Value, kid: &str) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT", "kid": kid });
    format!(
        "{}.{}.",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    )
}
