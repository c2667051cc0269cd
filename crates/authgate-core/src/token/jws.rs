//! Signed session tokens: the opt-in [`crate::TokenFormat::Jws`] format, a compact JWS
//! (RFC 7515) that other services can verify with any JWT library:
//!
//! ```text
//! b64u({"alg":"RS256","typ":"JWT","kid":"<kid>"}) . b64u(claims) . b64u(signature)
//! ```
//!
//! The claims are only base64url-encoded, not encrypted. Keys are parsed and checked
//! once, in [`JwsCodec::new`]; the `kid` of a key is its RFC 7638 thumbprint (SHA-256).

use std::fmt;
use std::slice;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, ThumbprintHash};
use jsonwebtoken::{crypto, Algorithm, DecodingKey, EncodingKey};
use serde_json::Value;
use sha2::Sha256;

use super::jose::{check_secrets, header_kid, hkdf, parse_header, thumbprint, Scratch};
use crate::Error;

/// HKDF info of the HS256 signing key (the HKDF salt is the codec's: the cookie name).
const HS256_INFO: &str = "authgate JWS signing key";

/// The smallest RSA modulus accepted, in bits.
const MIN_RSA_BITS: usize = 2048;

/// The signature algorithms of the JWS format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    Hs256,
    Rs256,
    EdDsa,
}

impl Alg {
    /// The JOSE name (`alg` header).
    fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    fn algorithm(self) -> Algorithm {
        match self {
            Self::Hs256 => Algorithm::HS256,
            Self::Rs256 => Algorithm::RS256,
            Self::EdDsa => Algorithm::EdDSA,
        }
    }

    /// What a PEM key of this algorithm must be, for error messages.
    fn pem_kind(self, private: bool) -> &'static str {
        match (self, private) {
            (Self::Rs256, true) => "an RSA private key (PKCS#1 or PKCS#8 PEM)",
            (Self::Rs256, false) => "an RSA public key (SPKI or PKCS#1 PEM)",
            (_, true) => "an Ed25519 private key (PKCS#8 PEM)",
            (_, false) => "an Ed25519 public key (SPKI PEM)",
        }
    }
}

/// The key of the signed-JWT session format, [`crate::TokenFormat::Jws`]: which
/// algorithm signs the session token, and with what.
///
/// - [`JwsKey::hs256`]: HMAC-SHA-256 with a key derived from the app's secrets.
/// - [`JwsKey::rs256`] and [`JwsKey::eddsa`]: a private key in PEM signs; services that
///   hold the public key verify. [`JwsKey::verify_with`] adds earlier public keys, so
///   the signing key can be rotated without signing everyone out.
///
/// Nothing is parsed here: a key that is not valid fails when the config (or the
/// [`crate::TokenCodec`]) is built, with [`Error::Config`]. Tokens carry a `kid`
/// header, the RFC 7638 thumbprint (SHA-256) of the key, which picks the key that
/// verifies them; `alg` must be exactly the configured algorithm. They also carry a
/// `cookie` header, the session cookie's name, which must be the reader's: a token
/// issued over http (`authjs.session-token`) is no session under the https name
/// (`__Secure-authjs.session-token`), as Auth.js's encrypted tokens are bound by their
/// key. (Other services verifying with the public key may ignore it.)
///
/// ```
/// use authgate_core::{JwsKey, TokenCodec, TokenFormat};
/// # macro_rules! testdata { ($f:literal) => {
/// #     include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/token/jws/testdata/", $f))
/// # } }
/// // Test-only keys; load yours from a file or the environment.
/// let private_pem = testdata!("eddsa-1.pem");
/// let previous_public_pem = testdata!("eddsa-2.pub.pem");
/// let key = JwsKey::eddsa(private_pem).verify_with(previous_public_pem);
/// assert_eq!(key.alg(), "EdDSA");
/// let codec = TokenCodec::new(TokenFormat::Jws(key), &["the-secret"], "authjs.session-token")?;
/// let mut claims = serde_json::Map::new();
/// claims.insert("sub".into(), "1".into());
/// claims.insert("exp".into(), 4_102_444_800_i64.into()); // 2100-01-01
/// let token = codec.encode(&claims)?;
/// assert_eq!(token.split('.').count(), 3);
/// assert_eq!(codec.decode(&token)?["sub"], "1");
/// # Ok::<(), authgate_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JwsKey {
    alg: Alg,
    /// The PEM of the signing key (empty for HS256).
    private_pem: Vec<u8>,
    /// PEMs of further public keys accepted when verifying.
    public_pems: Vec<Vec<u8>>,
}

impl fmt::Debug for JwsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwsKey")
            .field("alg", &self.alg.name())
            .field("public_keys", &self.public_pems.len())
            .finish_non_exhaustive()
    }
}

impl JwsKey {
    /// HS256 (HMAC-SHA-256) with keys derived from the secrets: HKDF-SHA-256 of each
    /// secret, salt = the session cookie's name, info `authgate JWS signing key`, 32
    /// bytes. Never the raw secret, never the JWE key. The first secret signs, every
    /// secret verifies (rotation as with the JWE). A service that verifies these tokens
    /// needs the derived key, that is the secret: prefer RS256 or EdDSA when it should
    /// not be able to issue sessions.
    pub fn hs256() -> Self {
        Self {
            alg: Alg::Hs256,
            private_pem: Vec::new(),
            public_pems: Vec::new(),
        }
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256), signing with an RSA private key of at
    /// least 2048 bits in PEM (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1
    /// `BEGIN RSA PRIVATE KEY`). Its public key verifies.
    pub fn rs256(private_key_pem: impl AsRef<[u8]>) -> Self {
        Self {
            alg: Alg::Rs256,
            private_pem: private_key_pem.as_ref().to_vec(),
            public_pems: Vec::new(),
        }
    }

    /// EdDSA (Ed25519), signing with an Ed25519 private key in PEM (PKCS#8,
    /// `openssl genpkey -algorithm ED25519`). Its public key verifies. Signing is much
    /// faster than RS256.
    pub fn eddsa(private_key_pem: impl AsRef<[u8]>) -> Self {
        Self {
            alg: Alg::EdDsa,
            private_pem: private_key_pem.as_ref().to_vec(),
            public_pems: Vec::new(),
        }
    }

    /// Also accepts tokens signed by the private key of this public key (PEM: SPKI
    /// `BEGIN PUBLIC KEY`, or PKCS#1 `BEGIN RSA PUBLIC KEY` for RS256): typically the
    /// previous signing key, kept until the sessions it signed have expired or been
    /// re-issued. Only for RS256 and EdDSA (HS256 rotates with the secrets).
    pub fn verify_with(mut self, public_key_pem: impl AsRef<[u8]>) -> Self {
        self.public_pems.push(public_key_pem.as_ref().to_vec());
        self
    }

    /// The JOSE name of the algorithm: `HS256`, `RS256` or `EdDSA`.
    pub fn alg(&self) -> &'static str {
        self.alg.name()
    }
}

/// A key that verifies, and the header of the tokens signed with it.
struct Verifier {
    kid: String,
    /// `b64u({"alg":..,"typ":"JWT","kid":..,"cookie":..})`, as this codec writes it for
    /// the key.
    header: String,
    key: DecodingKey,
}

/// Parsed keys, shared by clones of a codec.
struct Keys {
    alg: Alg,
    signing: EncodingKey,
    /// The signing key's public (or HMAC) key first, then the others; kids unique.
    verifiers: Vec<Verifier>,
    /// The session cookie's name, which every token names in its `cookie` header.
    cookie: String,
}

/// Signs and verifies session tokens as compact JWS: the [`crate::TokenFormat::Jws`]
/// format of [`crate::TokenCodec`]. Cloning is cheap (the keys are shared).
#[derive(Clone)]
pub(super) struct JwsCodec(Arc<Keys>);

impl JwsCodec {
    /// Parses and checks the keys of `key` (see [`crate::TokenCodec::new`]).
    pub(super) fn new<S: AsRef<[u8]>>(
        key: &JwsKey,
        secrets: &[S],
        salt: &str,
    ) -> Result<Self, Error> {
        let (signing, keys) = match key.alg {
            Alg::Hs256 => hmac_keys(key, secrets, salt)?,
            Alg::Rs256 | Alg::EdDsa => pem_keys(key)?,
        };
        let mut verifiers: Vec<Verifier> = Vec::with_capacity(keys.len());
        // The cookie's name, as a JSON string (a name is a cookie token: nothing to
        // escape, but nothing is assumed).
        let cookie = Value::from(salt).to_string();
        for (kid, verifying) in keys {
            if verifiers.iter().all(|v| v.kid != kid) {
                let header = format!(
                    r#"{{"alg":"{}","typ":"JWT","kid":"{kid}","cookie":{cookie}}}"#,
                    key.alg()
                );
                verifiers.push(Verifier {
                    header: URL_SAFE_NO_PAD.encode(header),
                    kid,
                    key: verifying,
                });
            }
        }
        Ok(Self(Arc::new(Keys {
            alg: key.alg,
            signing,
            verifiers,
            cookie: salt.to_owned(),
        })))
    }

    /// Signs this claims JSON with the signing key.
    pub(super) fn encode(&self, payload: &[u8]) -> Result<String, Error> {
        let keys = &*self.0;
        let header = keys
            .verifiers
            .first()
            .map(|v| v.header.as_str())
            .ok_or(Error::InvalidToken("no signing key"))?;
        // Header, payload and room for the signature (342 characters for RS256).
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 350);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = crypto::sign(token.as_bytes(), &keys.signing, keys.alg.algorithm())
            .map_err(|_| Error::InvalidToken("signing failed"))?;
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }

    /// Verifies `token`: the claims JSON (decoded in `scratch`), not yet parsed or
    /// checked.
    pub(super) fn open<'s>(
        &self,
        token: &str,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [u8], Error> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::InvalidToken("malformed token"));
        };
        let candidates = self.resolve_header(header)?;
        let message = token
            .get(..header.len() + 1 + payload.len())
            .ok_or(Error::InvalidToken("malformed token"))?;
        let alg = self.0.alg.algorithm();
        let verified = candidates
            .iter()
            .any(|v| crypto::verify(signature, message.as_bytes(), &v.key, alg).unwrap_or(false));
        if !verified {
            return Err(Error::InvalidToken("invalid signature"));
        }
        Ok(scratch.decode(payload, "invalid payload")?)
    }

    /// Checks the protected header (`alg` exactly the configured one) and picks the keys
    /// to try: the one its `kid` names, or all of them without a `kid`.
    fn resolve_header(&self, segment: &str) -> Result<&[Verifier], Error> {
        let verifiers = &self.0.verifiers;
        // Fast path: the exact header this codec writes.
        if let Some(v) = verifiers.iter().find(|v| v.header == segment) {
            return Ok(slice::from_ref(v));
        }
        let header = parse_header(segment)?;
        if header.get("alg").and_then(Value::as_str) != Some(self.0.alg.name()) {
            return Err(Error::InvalidToken("unsupported alg"));
        }
        if header.contains_key("b64") {
            return Err(Error::InvalidToken("unsupported header parameter"));
        }
        // Bound to its cookie: a token issued for http is not a session under the https
        // (`__Secure-`) name, whatever key signed it.
        if header.get("cookie").and_then(Value::as_str) != Some(self.0.cookie.as_str()) {
            return Err(Error::InvalidToken("the token is for another cookie"));
        }
        match header_kid(&header)? {
            None => Ok(verifiers),
            Some(kid) => verifiers
                .iter()
                .find(|v| v.kid == kid)
                .map(slice::from_ref)
                .ok_or(Error::InvalidToken("no key matches kid")),
        }
    }
}

/// A key that signs and the keys (with their kids) that verify.
type KeySet = (EncodingKey, Vec<(String, DecodingKey)>);

fn config(alg: Alg, message: impl fmt::Display) -> Error {
    Error::Config(format!("JWS session key ({}): {message}", alg.name()))
}

/// HS256: one key per secret, derived with HKDF; the first signs.
fn hmac_keys<S: AsRef<[u8]>>(key: &JwsKey, secrets: &[S], salt: &str) -> Result<KeySet, Error> {
    if !key.public_pems.is_empty() {
        return Err(config(
            key.alg,
            "HS256 keys come from the secrets; public keys (verify_with) need RS256 or EdDSA",
        ));
    }
    check_secrets(secrets)?;
    let mut signing = None;
    let mut verifying = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let mut derived = [0u8; 32];
        hkdf(secret.as_ref(), salt, HS256_INFO, &mut derived)?;
        let invalid = |_| config(key.alg, "the derived key was refused");
        if signing.is_none() {
            signing = Some(EncodingKey::from_secret(&derived).map_err(invalid)?);
        }
        let kid = thumbprint::<Sha256>(&derived);
        verifying.push((kid, DecodingKey::from_secret(&derived).map_err(invalid)?));
    }
    let signing = signing.ok_or_else(|| config(key.alg, "at least one secret is required"))?;
    Ok((signing, verifying))
}

/// RS256 / EdDSA: the private key signs; its public key and the extra public keys verify.
fn pem_keys(key: &JwsKey) -> Result<KeySet, Error> {
    let alg = key.alg;
    let bad_private = || {
        config(
            alg,
            format!("the private key is not {}", alg.pem_kind(true)),
        )
    };
    let signing = match alg {
        Alg::Rs256 => EncodingKey::from_rsa_pem(&key.private_pem),
        Alg::Hs256 | Alg::EdDsa => EncodingKey::from_ed_pem(&key.private_pem),
    }
    .map_err(|_| bad_private())?;
    let own = Jwk::from_encoding_key(&signing, alg.algorithm()).map_err(|_| bad_private())?;
    let public = DecodingKey::from_jwk(&own).map_err(|_| bad_private())?;
    // A key that cannot sign, or whose public key does not verify, is not a key.
    let probe = b"authgate JWS key check";
    let verified = crypto::sign(probe, &signing, alg.algorithm())
        .and_then(|sig| crypto::verify(&sig, probe, &public, alg.algorithm()))
        .map_err(|_| bad_private())?;
    if !verified {
        return Err(bad_private());
    }
    let mut verifying = vec![(public_kid(alg, &own, "the private key")?, public)];
    for (i, pem) in key.public_pems.iter().enumerate() {
        let which = format!("public key {i} (verify_with)");
        let bad_public = || config(alg, format!("{which} is not {}", alg.pem_kind(false)));
        let public = match alg {
            Alg::Rs256 => DecodingKey::from_rsa_pem(pem),
            Alg::Hs256 | Alg::EdDsa => DecodingKey::from_ed_pem(pem),
        }
        .map_err(|_| bad_public())?;
        let jwk =
            Jwk::from_decoding_key(&public, Some(alg.algorithm())).map_err(|_| bad_public())?;
        verifying.push((public_kid(alg, &jwk, &which)?, public));
    }
    Ok((signing, verifying))
}

/// The kid (RFC 7638 thumbprint, SHA-256) of a public key, once its size is checked.
fn public_kid(alg: Alg, jwk: &Jwk, which: &str) -> Result<String, Error> {
    if let AlgorithmParameters::RSA(rsa) = &jwk.algorithm {
        let bits = URL_SAFE_NO_PAD
            .decode(&rsa.n)
            .map_or(0, |n| n.len().saturating_mul(8));
        if bits < MIN_RSA_BITS {
            return Err(config(
                alg,
                format!("{which} has {bits} bits, at least {MIN_RSA_BITS} are required"),
            ));
        }
    }
    jwk.thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| config(alg, format!("{which} has no thumbprint")))
}

#[cfg(test)]
mod tests;
