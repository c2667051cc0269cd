//! The ways the provider can be told to misbehave, and what each does to an id_token.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::keys::Signature;

/// An issuer no client expects.
pub(crate) const WRONG_ISSUER: &str = "https://wrong-issuer.invalid";
/// An audience that is not the test client.
pub(crate) const WRONG_AUDIENCE: &str = "some-other-client";
/// A nonce no client sent.
pub(crate) const WRONG_NONCE: &str = "not-the-nonce-you-sent";
/// A subject that is not the authorized user's.
pub(crate) const OTHER_SUB: &str = "idp-someone-else";

/// A fault the provider shows until it is cleared ([`super::MockIdp::set_misbehaviour`]).
/// Each mimics an IdP bug, an attack or an outage that a client must notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehaviour {
    /// The id_token's `iss` is `https://wrong-issuer.invalid`, not the provider's issuer.
    WrongIssuer,
    /// Discovery's `issuer` is not the URL the document was fetched under (OIDC
    /// Discovery 4.3).
    WrongDiscoveryIssuer,
    /// The id_token is signed with a key that is not in the JWKS, under the published kid.
    BadSignature,
    /// The id_token is unsigned (`alg: none`, empty signature).
    AlgNone,
    /// The id_token expired an hour ago.
    ExpiredIdToken,
    /// The id_token's `iat` is a day in the future.
    FutureIat,
    /// With a multi-tenant issuer ([`super::IdpConfig::tenant`]): the id_token's `iss`
    /// names another tenant (`other-tenant`) than its `tid`.
    OtherTenantIssuer,
    /// The id_token's `aud` (and `azp`) name another client (`some-other-client`).
    WrongAudience,
    /// The id_token's `nonce` is not the one of the authorization request.
    WrongNonce,
    /// The token response has no id_token, even for the `openid` scope.
    NoIdToken,
    /// The token endpoint answers HTTP 200 with an error body
    /// (`{"error":"bad_verification_code",..}`), as GitHub does.
    TokenErrorWith200,
    /// The token endpoint answers HTTP 500.
    Token5xx,
    /// The token endpoint answers a valid token response padded past 2 MiB (a
    /// `padding` member), streamed without a `Content-Length`: a client must stop
    /// reading, not buffer whatever comes.
    HugeTokenResponse,
    /// The token endpoint sleeps this long before answering (normally).
    SlowToken(Duration),
    /// Userinfo answers another `sub` than the id_token's.
    UserinfoSubMismatch,
    /// The authorization is denied: `error=access_denied` back to the redirect_uri.
    DenyAuthorization,
}

impl Misbehaviour {
    /// How an id_token is signed under this misbehaviour.
    pub(crate) fn signature(this: Option<Self>) -> Signature {
        match this {
            Some(Self::BadSignature) => Signature::WrongKey,
            Some(Self::AlgNone) => Signature::None,
            _ => Signature::Valid,
        }
    }

    /// Spoils a well-formed id_token's claims as this misbehaviour says (`now` in unix
    /// seconds).
    pub(crate) fn spoil_claims(this: Option<Self>, claims: &mut Map<String, Value>, now: i64) {
        let Some(this) = this else { return };
        match this {
            Self::WrongIssuer => {
                claims.insert("iss".into(), json!(WRONG_ISSUER));
            }
            Self::ExpiredIdToken => {
                claims.insert("iat".into(), json!(now - 7200));
                claims.insert("exp".into(), json!(now - 3600));
            }
            Self::FutureIat => {
                claims.insert("iat".into(), json!(now + 86_400));
                claims.insert("exp".into(), json!(now + 86_400 + 3600));
            }
            Self::WrongAudience => {
                claims.insert("aud".into(), json!(WRONG_AUDIENCE));
                claims.insert("azp".into(), json!(WRONG_AUDIENCE));
            }
            Self::WrongNonce => {
                claims.insert("nonce".into(), json!(WRONG_NONCE));
            }
            _ => {}
        }
    }
}
