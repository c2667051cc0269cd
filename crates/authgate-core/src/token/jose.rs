//! What the session-token formats share: the claim rules, base64url segments, the
//! protected header, HKDF and RFC 7638 thumbprints.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::mem::MaybeUninit;

use base64::Engine;
use base64_simd::Out;
use hkdf::Hkdf;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Token;
use crate::Error;

/// The claims of a token, as a JSON object.
pub(super) type Claims = Map<String, Value>;

/// Clock skew, in seconds, tolerated when checking `exp` and `nbf` (as Auth.js does).
pub const CLOCK_TOLERANCE_SECS: i64 = 15;

/// Checks that there is at least one secret and that none is empty.
pub(super) fn check_secrets<S: AsRef<[u8]>>(secrets: &[S]) -> Result<(), Error> {
    if secrets.is_empty() {
        return Err(Error::Config("at least one secret is required".to_owned()));
    }
    match secrets.iter().position(|s| s.as_ref().is_empty()) {
        Some(i) => Err(Error::Config(format!("secret at index {i} is empty"))),
        None => Ok(()),
    }
}

/// HKDF-SHA-256 of `secret` with `salt` and `info`, filling `out`.
pub(super) fn hkdf(secret: &[u8], salt: &str, info: &str, out: &mut [u8]) -> Result<(), Error> {
    Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret)
        .expand(info.as_bytes(), out)
        .map_err(|_| Error::Config("key derivation failed".to_owned()))
}

/// RFC 7638 JWK thumbprint of a symmetric key, as Auth.js computes it for `kid`.
pub(super) fn thumbprint<D: Digest>(key: &[u8]) -> String {
    let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    URL_SAFE_NO_PAD.encode(D::digest(jwk.as_bytes()))
}

/// Decodes a base64url segment (no padding, canonical).
///
/// SIMD base64 (`base64-simd`): as strict as the `base64` crate's `URL_SAFE_NO_PAD` (no
/// padding, no whitespace, canonical trailing bits; a test compares them) and several
/// times faster on the ~500-character ciphertext of a session token.
pub(super) fn decode_segment(segment: &str, reason: &'static str) -> Result<Vec<u8>, Error> {
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(segment)
        .map_err(|_| Error::InvalidToken(reason))
}

/// Decodes a protected header: a JSON object that asks for no extension (`crit`).
pub(super) fn parse_header(segment: &str) -> Result<Map<String, Value>, Error> {
    let raw = decode_segment(segment, "malformed header")?;
    let header: Map<String, Value> =
        serde_json::from_slice(&raw).map_err(|_| Error::InvalidToken("malformed header"))?;
    if header.contains_key("crit") {
        return Err(Error::InvalidToken("unsupported header parameter"));
    }
    Ok(header)
}

/// The `kid` of a decoded header: `None` when absent, an error when not a string.
pub(super) fn header_kid(header: &Map<String, Value>) -> Result<Option<&str>, Error> {
    match header.get("kid") {
        None => Ok(None),
        Some(Value::String(kid)) => Ok(Some(kid)),
        Some(_) => Err(Error::InvalidToken("malformed kid")),
    }
}

/// Parses a decrypted or verified payload and checks its claims at `now`.
pub(super) fn claims_at(payload: &[u8], now: i64) -> Result<Claims, Error> {
    let claims: Claims = serde_json::from_slice(payload)
        .map_err(|_| Error::InvalidToken("payload is not a JSON object"))?;
    check_claims(&claims, now)?;
    Ok(claims)
}

/// Parses a decrypted or verified payload straight into a [`Token`] (no intermediate
/// map) and checks its claims at `now`, as [`claims_at`] does. A payload [`claims_at`]
/// accepts but `Token` cannot hold (a non-integer `exp` or `iat`, a `name` that is not a
/// string) is refused here, as `Token::from_claims` refuses it.
pub(super) fn token_at(payload: &[u8], now: i64) -> Result<Token, Error> {
    // The whole payload checked as UTF-8 at once (word at a time), then parsed as text:
    // `from_slice` checks each string on its own, which costs more for many short
    // ones. Same acceptance: invalid UTF-8 anywhere is refused either way.
    const NOT_A_TOKEN: Error = Error::InvalidToken("payload is not a session token");
    let payload = std::str::from_utf8(payload).map_err(|_| NOT_A_TOKEN)?;
    // The usual payload is read by a fast path; anything else by serde_json.
    let token = match super::claims::simple(payload) {
        Some(token) => token,
        None => serde_json::from_str(payload).map_err(|_| NOT_A_TOKEN)?,
    };
    let exp = token.exp.ok_or(Error::InvalidToken("missing exp claim"))?;
    check_times(exp as f64, token.extra.get("nbf"), now)?;
    Ok(token)
}

/// Checks `exp` (required), `nbf` and `iat` like `jose`'s `jwtDecrypt` with a 15 s tolerance.
fn check_claims(claims: &Claims, now: i64) -> Result<(), Error> {
    let exp = claims
        .get("exp")
        .ok_or(Error::InvalidToken("missing exp claim"))?
        .as_f64()
        .ok_or(Error::InvalidToken("exp claim is not a number"))?;
    check_times(exp, claims.get("nbf"), now)?;
    if claims.get("iat").is_some_and(|iat| !iat.is_number()) {
        return Err(Error::InvalidToken("iat claim is not a number"));
    }
    Ok(())
}

/// `exp` not past and `nbf` (when present) not ahead, with the tolerance.
fn check_times(exp: f64, nbf: Option<&Value>, now: i64) -> Result<(), Error> {
    if exp <= now.saturating_sub(CLOCK_TOLERANCE_SECS) as f64 {
        return Err(Error::TokenExpired);
    }
    if let Some(nbf) = nbf {
        let nbf = nbf
            .as_f64()
            .ok_or(Error::InvalidToken("nbf claim is not a number"))?;
        if nbf > now.saturating_add(CLOCK_TOLERANCE_SECS) as f64 {
            return Err(Error::InvalidToken("token not yet valid"));
        }
    }
    Ok(())
}

/// Room for the one segment a token read decodes (a JWE's ciphertext, a JWS's
/// payload): on the stack when it fits, as a session token's usually does, else on the
/// heap. A read that misses the token cache then allocates nothing for it.
pub(super) struct Scratch {
    stack: [MaybeUninit<u8>; Scratch::STACK],
    heap: Vec<u8>,
}

impl Scratch {
    /// Decoded bytes kept on the stack: a ciphertext of up to 2 kB, a ~2.7 kB segment.
    const STACK: usize = 2048;

    pub(super) fn new() -> Self {
        Self {
            stack: [MaybeUninit::uninit(); Self::STACK],
            heap: Vec::new(),
        }
    }

    /// Decodes a base64url segment into this room, as [`decode_segment`] decodes it.
    pub(super) fn decode(
        &mut self,
        segment: &str,
        reason: &'static str,
    ) -> Result<&mut [u8], Error> {
        let b64 = base64_simd::URL_SAFE_NO_PAD;
        let len = b64
            .decoded_length(segment.as_bytes())
            .map_err(|_| Error::InvalidToken(reason))?;
        match self.stack.get_mut(..len) {
            // Exactly the decoded length: `decode` needs that much room.
            Some(room) => b64
                .decode(segment.as_bytes(), Out::from_uninit_slice(room))
                .map_err(|_| Error::InvalidToken(reason)),
            None => {
                self.heap = decode_segment(segment, reason)?;
                Ok(&mut self.heap)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use proptest::prelude::*;

    use super::{decode_segment, Scratch};

    /// Both ways of decoding a segment, which must agree.
    fn both(s: &str) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let scratch = Scratch::new().decode(s, "test").map(|b| b.to_vec()).ok();
        (decode_segment(s, "test").ok(), scratch)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// SIMD decoding accepts exactly what the `base64` crate's strict
        /// `URL_SAFE_NO_PAD` accepts (non-canonical trailing bits, padding, other
        /// alphabets, whitespace and stray characters are refused alike), with the same
        /// bytes.
        #[test]
        fn segments_decode_as_the_base64_crate_decodes(
            s in prop_oneof!["[A-Za-z0-9_-]{0,90}", "[A-Za-z0-9_=+/ .-]{0,40}", ".{0,20}"]
        ) {
            let (ours, scratch) = both(&s);
            prop_assert_eq!(&ours, &scratch);
            prop_assert_eq!(ours, URL_SAFE_NO_PAD.decode(&s).ok());
        }

        /// Long segments (the SIMD path) with one stray character anywhere, non-ASCII
        /// included.
        #[test]
        fn long_segments_with_a_stray_character_decode_as_the_base64_crate_decodes(
            s in "[A-Za-z0-9_-]{38,700}",
            at in any::<prop::sample::Index>(),
            stray in prop_oneof![Just('='), Just('+'), Just('/'), Just(' '), Just('.'), Just('é'), any::<char>()],
        ) {
            let mut s = s;
            let at = at.index(s.len());
            s.insert(at, stray);
            let (ours, scratch) = both(&s);
            prop_assert_eq!(&ours, &scratch);
            prop_assert_eq!(ours, URL_SAFE_NO_PAD.decode(&s).ok());
        }

        /// And encodes as it does.
        #[test]
        fn bytes_encode_and_decode_as_the_base64_crate_does(
            bytes in prop::collection::vec(any::<u8>(), 0..3000)
        ) {
            let encoded = base64_simd::URL_SAFE_NO_PAD.encode_to_string(&bytes);
            prop_assert_eq!(&encoded, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(both(&encoded), (Some(bytes.clone()), Some(bytes)));
        }
    }
}
