//! Auth.js-compatible session-token codec.
//!
//! Session tokens are compact JWEs with direct key agreement (`alg: "dir"`) and an
//! empty encrypted-key segment:
//!
//! ```text
//! b64u(header) . "" . b64u(iv) . b64u(ciphertext) . b64u(tag)
//! ```
//!
//! Two flavours are supported, see [`TokenFormat`]. All keys are derived once, in
//! [`TokenCodec::new`]; encoding and decoding only run the ciphers.

use std::fmt;
use std::slice;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aes::Aes256;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha512};

use crate::Error;

type HmacSha512 = Hmac<Sha512>;
type Claims = Map<String, Value>;

/// Clock skew, in seconds, tolerated when checking `exp` and `nbf` (as Auth.js does).
pub const CLOCK_TOLERANCE_SECS: i64 = 15;

/// `b64u({"alg":"dir","enc":"A256GCM"})`, the header next-auth v4 writes.
const GCM_HEADER_SEGMENT: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";

const CBC_IV_LEN: usize = 16;
const CBC_TAG_LEN: usize = 32;
const GCM_IV_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// Which Auth.js generation's session-token format to write (and derive keys for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TokenFormat {
    /// Auth.js v5 (`@auth/core`): `A256CBC-HS512` with a `kid` header; HKDF info
    /// `Auth.js Generated Encryption Key (<salt>)`, where the salt is the cookie name.
    #[default]
    AuthJsV5,
    /// NextAuth.js v4: `A256GCM` without `kid`; HKDF info
    /// `NextAuth.js Generated Encryption Key` (the v4 session cookie uses an empty salt).
    NextAuthV4,
}

/// Content-encryption algorithms accepted in the `enc` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enc {
    A256CbcHs512,
    A256Gcm,
}

/// Keys derived from one secret, ready to use.
struct DerivedKey {
    /// AES-256 key schedule for `A256CBC-HS512` (ENC_KEY, last 32 bytes of the 64-byte key).
    cbc_cipher: Aes256,
    /// HMAC-SHA-512 keyed with MAC_KEY (first 32 bytes); cloned for each token.
    cbc_mac: HmacSha512,
    /// `A256GCM` cipher over the 32-byte key.
    gcm: Aes256Gcm,
    /// RFC 7638 thumbprint (SHA-512) of the 64-byte key.
    cbc_kid: String,
    /// RFC 7638 thumbprint (SHA-256) of the 32-byte key.
    gcm_kid: String,
    /// `b64u({"alg":"dir","enc":"A256CBC-HS512","kid":"<cbc_kid>"})`.
    cbc_header: String,
}

impl DerivedKey {
    fn derive(secret: &[u8], salt: &str, info: &str) -> Result<Self, Error> {
        let hkdf = Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret);
        let mut cbc_key = [0u8; 64];
        let mut gcm_key = [0u8; 32];
        hkdf.expand(info.as_bytes(), &mut cbc_key)
            .and_then(|()| hkdf.expand(info.as_bytes(), &mut gcm_key))
            .map_err(|_| Error::Config("key derivation failed".to_owned()))?;

        let (mac_key, enc_key) = cbc_key.split_at(32);
        let cbc_mac = <HmacSha512 as Mac>::new_from_slice(mac_key)
            .map_err(|_| Error::Config("invalid MAC key length".to_owned()))?;
        let cbc_cipher = Aes256::new_from_slice(enc_key)
            .map_err(|_| Error::Config("invalid encryption key length".to_owned()))?;
        let gcm = Aes256Gcm::new(&gcm_key.into());

        let cbc_kid = thumbprint::<Sha512>(&cbc_key);
        let gcm_kid = thumbprint::<Sha256>(&gcm_key);
        let cbc_header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{cbc_kid}"}}"#
        ));
        Ok(Self {
            cbc_cipher,
            cbc_mac,
            gcm,
            cbc_kid,
            gcm_kid,
            cbc_header,
        })
    }

    fn kid(&self, enc: Enc) -> &str {
        match enc {
            Enc::A256CbcHs512 => &self.cbc_kid,
            Enc::A256Gcm => &self.gcm_kid,
        }
    }
}

/// RFC 7638 JWK thumbprint of a symmetric key, as Auth.js computes it for `kid`.
fn thumbprint<D: Digest>(key: &[u8]) -> String {
    let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    URL_SAFE_NO_PAD.encode(D::digest(jwk.as_bytes()))
}

/// Encrypts and decrypts Auth.js session tokens (compact JWE, `alg: "dir"`).
///
/// Holds the keys derived from every configured secret; cloning is cheap (the keys
/// are shared).
#[derive(Clone)]
pub struct TokenCodec {
    format: TokenFormat,
    salt: String,
    /// One entry per secret, in configuration order; never empty.
    keys: Arc<[DerivedKey]>,
}

impl fmt::Debug for TokenCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCodec")
            .field("format", &self.format)
            .field("salt", &self.salt)
            .field("secrets", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl TokenCodec {
    /// Derives the keys for every secret in `secrets`.
    ///
    /// `salt` is the HKDF salt: the session cookie's name for Auth.js v5 (for example
    /// `authjs.session-token` or `__Secure-authjs.session-token`), the empty string
    /// for a NextAuth.js v4 session cookie. Tokens are encoded with the first secret;
    /// the others are accepted when decoding, for rotation.
    ///
    /// # Errors
    /// [`Error::Config`] if `secrets` is empty or any secret is empty.
    pub fn new<S: AsRef<[u8]>>(
        format: TokenFormat,
        secrets: &[S],
        salt: &str,
    ) -> Result<Self, Error> {
        if secrets.is_empty() {
            return Err(Error::Config("at least one secret is required".to_owned()));
        }
        let info = match format {
            TokenFormat::AuthJsV5 => format!("Auth.js Generated Encryption Key ({salt})"),
            TokenFormat::NextAuthV4 if salt.is_empty() => {
                "NextAuth.js Generated Encryption Key".to_owned()
            }
            TokenFormat::NextAuthV4 => format!("NextAuth.js Generated Encryption Key ({salt})"),
        };
        let keys = secrets
            .iter()
            .enumerate()
            .map(|(i, secret)| {
                let secret = secret.as_ref();
                if secret.is_empty() {
                    return Err(Error::Config(format!("secret at index {i} is empty")));
                }
                DerivedKey::derive(secret, salt, &info)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            format,
            salt: salt.to_owned(),
            keys: keys.into(),
        })
    }

    /// The token format this codec writes.
    pub fn format(&self) -> TokenFormat {
        self.format
    }

    /// The HKDF salt (cookie name) the keys were derived with.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// Encrypt exactly these claims (the caller sets iat/exp/jti).
    ///
    /// Uses the first secret: `A256CBC-HS512` with a `kid` for
    /// [`TokenFormat::AuthJsV5`], `A256GCM` without `kid` for [`TokenFormat::NextAuthV4`].
    ///
    /// # Errors
    /// Fails only if the claims cannot be serialized or encryption fails.
    pub fn encode(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        let plaintext = serde_json::to_vec(claims)
            .map_err(|_| Error::InvalidToken("claims could not be serialized"))?;
        let key = self.encoding_key()?;
        match self.format {
            TokenFormat::AuthJsV5 => seal(key, Enc::A256CbcHs512, &key.cbc_header, plaintext),
            TokenFormat::NextAuthV4 => seal(key, Enc::A256Gcm, GCM_HEADER_SEGMENT, plaintext),
        }
    }

    /// Decrypt and check exp/nbf against the system clock.
    ///
    /// # Errors
    /// [`Error::TokenExpired`] if `exp` has passed (beyond the 15 s tolerance),
    /// [`Error::InvalidToken`] for anything else wrong with the token.
    pub fn decode(&self, token: &str) -> Result<Map<String, Value>, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.decode_at(token, now)
    }

    /// Same with an explicit "now" (unix seconds), for tests.
    ///
    /// # Errors
    /// As [`TokenCodec::decode`].
    pub fn decode_at(&self, token: &str, now: i64) -> Result<Map<String, Value>, Error> {
        let mut parts = token.split('.');
        let (Some(header), Some(encrypted_key), Some(iv), Some(ciphertext), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::InvalidToken("malformed token"));
        };
        if !encrypted_key.is_empty() {
            return Err(Error::InvalidToken("unexpected encrypted key"));
        }
        let (enc, candidates) = self.resolve_header(header)?;
        let aad = header.as_bytes();

        let plaintext = match enc {
            Enc::A256CbcHs512 => {
                let iv: [u8; CBC_IV_LEN] = decode_fixed(iv, "invalid IV")?;
                let tag: [u8; CBC_TAG_LEN] = decode_fixed(tag, "invalid authentication tag")?;
                let mut buf = decode_segment(ciphertext, "invalid ciphertext")?;
                if buf.is_empty() || buf.len() % 16 != 0 {
                    return Err(Error::InvalidToken("invalid ciphertext"));
                }
                // Authenticate before decrypting.
                let key = candidates
                    .iter()
                    .find(|key| {
                        cbc_mac(&key.cbc_mac, aad, &iv, &buf)
                            .verify_truncated_left(&tag)
                            .is_ok()
                    })
                    .ok_or(Error::InvalidToken("decryption failed"))?;
                let len =
                    cbc::Decryptor::<Aes256>::inner_iv_init(key.cbc_cipher.clone(), &iv.into())
                        .decrypt_padded_mut::<Pkcs7>(&mut buf)
                        .map_err(|_| Error::InvalidToken("decryption failed"))?
                        .len();
                buf.truncate(len);
                buf
            }
            Enc::A256Gcm => {
                let iv: [u8; GCM_IV_LEN] = decode_fixed(iv, "invalid IV")?;
                let tag: [u8; GCM_TAG_LEN] = decode_fixed(tag, "invalid authentication tag")?;
                let mut buf = decode_segment(ciphertext, "invalid ciphertext")?;
                // aes-gcm verifies the tag before decrypting and leaves `buf` untouched
                // on failure, so the next key can be tried on the same buffer.
                let (nonce, tag) = (iv.into(), tag.into());
                let opened = candidates.iter().any(|key| {
                    key.gcm
                        .decrypt_in_place_detached(&nonce, aad, &mut buf, &tag)
                        .is_ok()
                });
                if !opened {
                    return Err(Error::InvalidToken("decryption failed"));
                }
                buf
            }
        };

        let claims: Claims = serde_json::from_slice(&plaintext)
            .map_err(|_| Error::InvalidToken("payload is not a JSON object"))?;
        check_claims(&claims, now)?;
        Ok(claims)
    }

    fn encoding_key(&self) -> Result<&DerivedKey, Error> {
        self.keys
            .first()
            .ok_or_else(|| Error::Config("at least one secret is required".to_owned()))
    }

    /// Validates the protected header and picks the keys to try.
    fn resolve_header(&self, segment: &str) -> Result<(Enc, &[DerivedKey]), Error> {
        // Fast path: the exact headers Auth.js (and this codec) write.
        if segment == GCM_HEADER_SEGMENT {
            return Ok((Enc::A256Gcm, &self.keys));
        }
        if let Some(key) = self.keys.iter().find(|key| key.cbc_header == segment) {
            return Ok((Enc::A256CbcHs512, slice::from_ref(key)));
        }

        let raw = decode_segment(segment, "malformed header")?;
        let header: Map<String, Value> =
            serde_json::from_slice(&raw).map_err(|_| Error::InvalidToken("malformed header"))?;
        if header.get("alg").and_then(Value::as_str) != Some("dir") {
            return Err(Error::InvalidToken("unsupported alg"));
        }
        let enc = match header.get("enc").and_then(Value::as_str) {
            Some("A256CBC-HS512") => Enc::A256CbcHs512,
            Some("A256GCM") => Enc::A256Gcm,
            _ => return Err(Error::InvalidToken("unsupported enc")),
        };
        if header.contains_key("zip") || header.contains_key("crit") {
            return Err(Error::InvalidToken("unsupported header parameter"));
        }
        match header.get("kid") {
            None => Ok((enc, &self.keys)),
            Some(Value::String(kid)) => self
                .keys
                .iter()
                .find(|key| key.kid(enc) == kid)
                .map(|key| (enc, slice::from_ref(key)))
                .ok_or(Error::InvalidToken("no key matches kid")),
            Some(_) => Err(Error::InvalidToken("malformed kid")),
        }
    }
}

/// Encrypts `plaintext` under `header` (a base64url segment, also the AAD).
fn seal(key: &DerivedKey, enc: Enc, header: &str, mut buf: Vec<u8>) -> Result<String, Error> {
    let aad = header.as_bytes();
    let mut rng = rand::thread_rng();
    match enc {
        Enc::A256CbcHs512 => {
            let mut iv = [0u8; CBC_IV_LEN];
            rng.fill_bytes(&mut iv);
            let msg_len = buf.len();
            buf.resize((msg_len / 16 + 1) * 16, 0);
            let ciphertext =
                cbc::Encryptor::<Aes256>::inner_iv_init(key.cbc_cipher.clone(), &iv.into())
                    .encrypt_padded_mut::<Pkcs7>(&mut buf, msg_len)
                    .map_err(|_| Error::InvalidToken("encryption failed"))?;
            let mac = cbc_mac(&key.cbc_mac, aad, &iv, ciphertext)
                .finalize()
                .into_bytes();
            let tag = mac
                .get(..CBC_TAG_LEN)
                .ok_or(Error::InvalidToken("encryption failed"))?;
            Ok(assemble(header, &iv, ciphertext, tag))
        }
        Enc::A256Gcm => {
            let mut iv = [0u8; GCM_IV_LEN];
            rng.fill_bytes(&mut iv);
            let tag = key
                .gcm
                .encrypt_in_place_detached(&iv.into(), aad, &mut buf)
                .map_err(|_| Error::InvalidToken("encryption failed"))?;
            Ok(assemble(header, &iv, &buf, &tag))
        }
    }
}

/// HMAC-SHA-512 over `AAD || IV || ciphertext || AL` (RFC 7518 §5.2.2.1).
fn cbc_mac(keyed: &HmacSha512, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> HmacSha512 {
    let mut mac = keyed.clone();
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(&(aad.len() as u64).wrapping_mul(8).to_be_bytes());
    mac
}

/// Joins the five compact-serialization segments (the encrypted key is empty).
fn assemble(header: &str, iv: &[u8], ciphertext: &[u8], tag: &[u8]) -> String {
    let mut out = String::with_capacity(
        header.len() + 4 + b64_len(iv.len()) + b64_len(ciphertext.len()) + b64_len(tag.len()),
    );
    out.push_str(header);
    out.push_str("..");
    URL_SAFE_NO_PAD.encode_string(iv, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(ciphertext, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut out);
    out
}

/// Length of unpadded base64 for `n` bytes.
const fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Decodes a segment that must hold exactly `N` bytes.
fn decode_fixed<const N: usize>(segment: &str, reason: &'static str) -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    if segment.len() != b64_len(N) {
        return Err(Error::InvalidToken(reason));
    }
    match URL_SAFE_NO_PAD.decode_slice(segment, &mut out) {
        Ok(n) if n == N => Ok(out),
        _ => Err(Error::InvalidToken(reason)),
    }
}

/// Decodes a base64url segment (no padding, canonical) into a buffer sized up front.
fn decode_segment(segment: &str, reason: &'static str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(base64::decoded_len_estimate(segment.len()));
    URL_SAFE_NO_PAD
        .decode_vec(segment, &mut out)
        .map_err(|_| Error::InvalidToken(reason))?;
    Ok(out)
}

/// Checks `exp` (required), `nbf` and `iat` like `jose`'s `jwtDecrypt` with a 15 s tolerance.
fn check_claims(claims: &Claims, now: i64) -> Result<(), Error> {
    let exp = claims
        .get("exp")
        .ok_or(Error::InvalidToken("missing exp claim"))?
        .as_f64()
        .ok_or(Error::InvalidToken("exp claim is not a number"))?;
    if exp <= now.saturating_sub(CLOCK_TOLERANCE_SECS) as f64 {
        return Err(Error::TokenExpired);
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf
            .as_f64()
            .ok_or(Error::InvalidToken("nbf claim is not a number"))?;
        if nbf > now.saturating_add(CLOCK_TOLERANCE_SECS) as f64 {
            return Err(Error::InvalidToken("token not yet valid"));
        }
    }
    if claims.get("iat").is_some_and(|iat| !iat.is_number()) {
        return Err(Error::InvalidToken("iat claim is not a number"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        seal(&c.keys[0], enc, &b64(header), plaintext.to_vec()).expect("seal")
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
        let kid = &c.keys[0].cbc_kid;
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

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .expect("clock")
    }

    #[test]
    fn tampered_segments_rejected() {
        for format in [TokenFormat::AuthJsV5, TokenFormat::NextAuthV4] {
            let c = codec(format, &["s3cret"], "authjs.session-token");
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
        let kid = c.keys[0].cbc_kid.clone();
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
            let token = codec(format, &["right"], "authjs.session-token")
                .encode(&sample_claims(NOW))
                .expect("encode");
            let wrong = codec(format, &["wrong", "also-wrong"], "authjs.session-token");
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
            let c = codec(format, &["s3cret"], "authjs.session-token");
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
        let kid = &signer.keys[0].gcm_kid;
        let pt = claims_json(NOW);
        let with_kid = seal_raw(
            &signer,
            Enc::A256Gcm,
            &format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{kid}"}}"#),
            &pt,
        );
        let no_kid = seal(
            &signer.keys[0],
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
        let kid = &v4.keys[0].cbc_kid;
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
        assert!(
            decode(serde_json::json!({ "exp": NOW + 60, "nbf": NOW + 10, "iat": NOW })).is_ok()
        );
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
            let token = codec(format, &["new", "old"], salt)
                .encode(&sample_claims(NOW))
                .expect("encode");
            assert_invalid(
                codec(format, &["old"], salt).decode_at(&token, NOW),
                "old only",
            );
            assert_eq!(
                codec(format, &["x", "new"], salt)
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
        let c =
            TokenCodec::new(TokenFormat::NextAuthV4, &[b"bytes".to_vec()], "cookie").expect("ok");
        assert_eq!((c.format(), c.salt()), (TokenFormat::NextAuthV4, "cookie"));
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
        assert!(!debug.contains(&c.keys[0].cbc_kid) && !debug.contains(&c.keys[0].gcm_kid));
        assert!(!debug.contains("cbc") && !debug.contains("gcm") && !debug.contains("mac"));
    }
}
