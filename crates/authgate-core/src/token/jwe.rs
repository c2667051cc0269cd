//! Auth.js-compatible session-token codec.
//!
//! Session tokens are compact JWEs with direct key agreement (`alg: "dir"`) and an
//! empty encrypted-key segment:
//!
//! ```text
//! b64u(header) . "" . b64u(iv) . b64u(ciphertext) . b64u(tag)
//! ```
//!
//! Two flavours are supported, see [`JweFlavour`]. All keys are derived once, in
//! [`JweCodec::new`]; encoding and decoding only run the ciphers.

use std::slice;
use std::sync::Arc;

use aes::Aes256;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::Value;
use sha2::{Sha256, Sha512};

use super::jose::{check_secrets, header_kid, hkdf, parse_header, thumbprint, Scratch};
use crate::Error;

type HmacSha512 = Hmac<Sha512>;

/// `b64u({"alg":"dir","enc":"A256GCM"})`, the header next-auth v4 writes.
const GCM_HEADER_SEGMENT: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";

const CBC_IV_LEN: usize = 16;
const CBC_TAG_LEN: usize = 32;
const GCM_IV_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// Which Auth.js generation's JWE a [`JweCodec`] writes (and derives keys for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JweFlavour {
    /// Auth.js v5: `A256CBC-HS512` with a `kid`; HKDF info
    /// `Auth.js Generated Encryption Key (<salt>)`.
    AuthJsV5,
    /// NextAuth.js v4: `A256GCM` without `kid`; HKDF info
    /// `NextAuth.js Generated Encryption Key` (with ` (<salt>)` when salted).
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
    /// `cbc_mac` that has already read `cbc_header`: the AAD of every token this key
    /// writes, and of Auth.js's own, so its blocks are hashed once, not per token.
    cbc_mac_after_header: HmacSha512,
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
        let mut cbc_key = [0u8; 64];
        let mut gcm_key = [0u8; 32];
        hkdf(secret, salt, info, &mut cbc_key)?;
        hkdf(secret, salt, info, &mut gcm_key)?;

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
        let mut cbc_mac_after_header = cbc_mac.clone();
        cbc_mac_after_header.update(cbc_header.as_bytes());
        Ok(Self {
            cbc_cipher,
            cbc_mac,
            cbc_mac_after_header,
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

/// Encrypts and decrypts Auth.js session tokens (compact JWE, `alg: "dir"`): the JWE
/// formats of [`crate::TokenCodec`].
///
/// Holds the keys derived from every configured secret; cloning is cheap (the keys
/// are shared).
#[derive(Clone)]
pub(super) struct JweCodec {
    flavour: JweFlavour,
    /// One entry per secret, in configuration order; never empty.
    keys: Arc<[DerivedKey]>,
}

impl JweCodec {
    /// Derives the keys for every secret in `secrets` (see [`crate::TokenCodec::new`]).
    pub(super) fn new<S: AsRef<[u8]>>(
        flavour: JweFlavour,
        secrets: &[S],
        salt: &str,
    ) -> Result<Self, Error> {
        check_secrets(secrets)?;
        let info = match flavour {
            JweFlavour::AuthJsV5 => format!("Auth.js Generated Encryption Key ({salt})"),
            JweFlavour::NextAuthV4 if salt.is_empty() => {
                "NextAuth.js Generated Encryption Key".to_owned()
            }
            JweFlavour::NextAuthV4 => format!("NextAuth.js Generated Encryption Key ({salt})"),
        };
        let keys = secrets
            .iter()
            .map(|secret| DerivedKey::derive(secret.as_ref(), salt, &info))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            flavour,
            keys: keys.into(),
        })
    }

    /// Encrypts this claims JSON with the first secret: `A256CBC-HS512` with a `kid`
    /// for v5, `A256GCM` without `kid` for v4.
    pub(super) fn encode(&self, plaintext: Vec<u8>) -> Result<String, Error> {
        let key = self.encoding_key()?;
        match self.flavour {
            JweFlavour::AuthJsV5 => seal(key, Enc::A256CbcHs512, &key.cbc_header, plaintext),
            JweFlavour::NextAuthV4 => seal(key, Enc::A256Gcm, GCM_HEADER_SEGMENT, plaintext),
        }
    }

    /// Decrypts `token` in `scratch`: the claims JSON, not yet parsed or checked.
    pub(super) fn open<'s>(
        &self,
        token: &str,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [u8], Error> {
        // Exactly four dots (at ASCII positions, so the slices below are on char
        // boundaries).
        let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
        let (Some(a), Some(b), Some(c), Some(d), None) = (
            dots.next(),
            dots.next(),
            dots.next(),
            dots.next(),
            dots.next(),
        ) else {
            return Err(Error::InvalidToken("malformed token"));
        };
        let (header, encrypted_key, iv, ciphertext, tag) = (
            &token[..a],
            &token[a + 1..b],
            &token[b + 1..c],
            &token[c + 1..d],
            &token[d + 1..],
        );
        if !encrypted_key.is_empty() {
            return Err(Error::InvalidToken("unexpected encrypted key"));
        }
        let (enc, candidates) = self.resolve_header(header)?;
        let aad = header.as_bytes();

        let plaintext = match enc {
            Enc::A256CbcHs512 => {
                let iv: [u8; CBC_IV_LEN] = decode_fixed(iv, "invalid IV")?;
                let tag: [u8; CBC_TAG_LEN] = decode_fixed(tag, "invalid authentication tag")?;
                let buf = scratch.decode(ciphertext, "invalid ciphertext")?;
                if buf.is_empty() || buf.len() % 16 != 0 {
                    return Err(Error::InvalidToken("invalid ciphertext"));
                }
                // Authenticate before decrypting.
                let key = candidates
                    .iter()
                    .find(|key| {
                        cbc_mac(key, aad, &iv, buf)
                            .verify_truncated_left(&tag)
                            .is_ok()
                    })
                    .ok_or(Error::InvalidToken("decryption failed"))?;
                cbc::Decryptor::<&Aes256>::inner_iv_init(&key.cbc_cipher, &iv.into())
                    .decrypt_padded_mut::<Pkcs7>(buf)
                    .map_err(|_| Error::InvalidToken("decryption failed"))?
            }
            Enc::A256Gcm => {
                let iv: [u8; GCM_IV_LEN] = decode_fixed(iv, "invalid IV")?;
                let tag: [u8; GCM_TAG_LEN] = decode_fixed(tag, "invalid authentication tag")?;
                let buf = scratch.decode(ciphertext, "invalid ciphertext")?;
                // aes-gcm verifies the tag before decrypting and leaves `buf` untouched
                // on failure, so the next key can be tried on the same buffer.
                let (nonce, tag) = (iv.into(), tag.into());
                let opened = candidates.iter().any(|key| {
                    key.gcm
                        .decrypt_in_place_detached(&nonce, aad, buf, &tag)
                        .is_ok()
                });
                if !opened {
                    return Err(Error::InvalidToken("decryption failed"));
                }
                buf
            }
        };
        Ok(plaintext)
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

        let header = parse_header(segment)?;
        if header.get("alg").and_then(Value::as_str) != Some("dir") {
            return Err(Error::InvalidToken("unsupported alg"));
        }
        let enc = match header.get("enc").and_then(Value::as_str) {
            Some("A256CBC-HS512") => Enc::A256CbcHs512,
            Some("A256GCM") => Enc::A256Gcm,
            _ => return Err(Error::InvalidToken("unsupported enc")),
        };
        if header.contains_key("zip") {
            return Err(Error::InvalidToken("unsupported header parameter"));
        }
        match header_kid(&header)? {
            None => Ok((enc, &self.keys)),
            Some(kid) => self
                .keys
                .iter()
                .find(|key| key.kid(enc) == kid)
                .map(|key| (enc, slice::from_ref(key)))
                .ok_or(Error::InvalidToken("no key matches kid")),
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
            let ciphertext = cbc::Encryptor::<&Aes256>::inner_iv_init(&key.cbc_cipher, &iv.into())
                .encrypt_padded_mut::<Pkcs7>(&mut buf, msg_len)
                .map_err(|_| Error::InvalidToken("encryption failed"))?;
            let mac = cbc_mac(key, aad, &iv, ciphertext).finalize().into_bytes();
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

/// HMAC-SHA-512 over `AAD || IV || ciphertext || AL` (RFC 7518 §5.2.2.1), under `key`'s
/// MAC key. The usual AAD, the key's own header, is already hashed in
/// `cbc_mac_after_header` (the header is public: comparing it need not be constant-time).
fn cbc_mac(key: &DerivedKey, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> HmacSha512 {
    let mut mac = if aad == key.cbc_header.as_bytes() {
        key.cbc_mac_after_header.clone()
    } else {
        let mut mac = key.cbc_mac.clone();
        mac.update(aad);
        mac
    };
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
    // SIMD base64, as `decode_segment` reads it.
    let b64 = base64_simd::URL_SAFE_NO_PAD;
    out.push_str(header);
    out.push_str("..");
    b64.encode_append(iv, &mut out);
    out.push('.');
    b64.encode_append(ciphertext, &mut out);
    out.push('.');
    b64.encode_append(tag, &mut out);
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
    // The same (SIMD) decoder as the other segments (`decode_segment`).
    let decoded = base64_simd::URL_SAFE_NO_PAD
        .decode(segment.as_bytes(), base64_simd::Out::from_slice(&mut out))
        .map(|bytes| bytes.len());
    match decoded {
        Ok(n) if n == N => Ok(out),
        _ => Err(Error::InvalidToken(reason)),
    }
}

#[cfg(test)]
mod tests;
