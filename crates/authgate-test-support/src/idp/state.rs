//! The provider's shared state: settings, misbehaviour, issued codes and tokens, call
//! counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::keys::SigningAlg;
use super::misbehave::Misbehaviour;
use super::user::IdpUser;
use crate::b64url;

/// How many times each endpoint was called (whatever it answered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdpCalls {
    /// `GET /.well-known/openid-configuration`.
    pub discovery: u32,
    /// `GET /jwks`.
    pub jwks: u32,
    /// `GET /authorize` and `GET /login/oauth/authorize`.
    pub authorize: u32,
    /// `POST /token` and `POST /login/oauth/access_token` with
    /// `grant_type=authorization_code` (GitHub's without a grant_type too).
    pub token_code: u32,
    /// `POST /token` with `grant_type=refresh_token`.
    pub token_refresh: u32,
    /// Token requests with another or no grant_type.
    pub token_other: u32,
    /// `GET` or `POST /userinfo`.
    pub userinfo: u32,
    /// GitHub's `GET /api/user`.
    pub github_user: u32,
    /// GitHub's `GET /api/user/emails`.
    pub github_emails: u32,
}

/// One authorization: who approved what for which client. Codes, access tokens and
/// refresh tokens point at it.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    /// Unique per authorization, to revoke its tokens when its code is replayed.
    pub(crate) id: u64,
    pub(crate) user: IdpUser,
    pub(crate) scope: String,
    /// When the user authorized (unix seconds): the id_token's `auth_time`.
    pub(crate) auth_time: i64,
}

impl Grant {
    /// Whether the space-separated scope holds `wanted`.
    pub(crate) fn has_scope(&self, wanted: &str) -> bool {
        self.scope.split([' ', ',']).any(|s| s == wanted)
    }
}

/// An issued, not yet redeemed authorization code.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub(crate) grant: Grant,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) nonce: Option<String>,
    pub(crate) expires: Instant,
}

/// An issued access token.
#[derive(Clone, Debug)]
pub(crate) struct Access {
    pub(crate) grant: Grant,
    pub(crate) expires: Instant,
}

/// The settings that tests switch at run time.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) user: IdpUser,
    pub(crate) alg: SigningAlg,
    pub(crate) minimal_id_token: bool,
    pub(crate) private_email: bool,
    pub(crate) misbehaviour: Option<Misbehaviour>,
    /// The key generation (see [`super::keys`]).
    pub(crate) generation: u32,
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) codes: HashMap<String, Code>,
    /// Redeemed codes and their grant, to spot a replay.
    pub(crate) used_codes: HashMap<String, u64>,
    pub(crate) access: HashMap<String, Access>,
    pub(crate) refresh: HashMap<String, Grant>,
    pub(crate) calls: IdpCalls,
    pub(crate) last_authorize: Option<BTreeMap<String, String>>,
    next_grant: u64,
}

impl Inner {
    fn new(settings: Settings) -> Self {
        Self {
            settings,
            codes: HashMap::new(),
            used_codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            calls: IdpCalls::default(),
            last_authorize: None,
            next_grant: 1,
        }
    }

    /// A new grant of the current user.
    pub(crate) fn new_grant(&mut self, scope: String) -> Grant {
        let id = self.next_grant;
        self.next_grant += 1;
        Grant {
            id,
            user: self.settings.user.clone(),
            scope,
            auth_time: crate::now(),
        }
    }

    /// Revokes every token of a grant (RFC 6749 section 4.1.2: a replayed code).
    pub(crate) fn revoke(&mut self, grant: u64) {
        self.access.retain(|_, a| a.grant.id != grant);
        self.refresh.retain(|_, g| g.id != grant);
    }
}

/// The tenant of a multi-tenant issuer, and the issuer around the path segment it
/// takes the place of.
#[derive(Debug)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    /// `http://127.0.0.1:<port>`.
    pub(crate) origin: String,
    /// The issuer's path after its first segment (`/v2.0` of `/common/v2.0`).
    pub(crate) rest: String,
}

/// What checks an Apple client secret: the team, the key id and the public key.
pub(crate) struct AppleVerifier {
    pub(crate) team_id: String,
    pub(crate) key_id: String,
    pub(crate) key: jsonwebtoken::DecodingKey,
}

impl std::fmt::Debug for AppleVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppleVerifier")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// What the server's handlers share with [`super::MockIdp`].
#[derive(Debug)]
pub(crate) struct Shared {
    /// The issuer, exactly as published (may end in `/`).
    pub(crate) issuer: String,
    /// The issuer without its trailing slash: the endpoints' URL prefix.
    pub(crate) base: String,
    /// Entra ID's multi-tenant shape (see [`super::IdpConfig::tenant`]).
    pub(crate) tenant: Option<Tenant>,
    /// Apple's client secrets (see [`super::IdpConfig::apple`]).
    pub(crate) apple: Option<AppleVerifier>,
    pub(crate) code_ttl: Duration,
    pub(crate) access_token_ttl: Duration,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(
        issuer: String,
        tenant: Option<Tenant>,
        apple: Option<AppleVerifier>,
        code_ttl: Duration,
        access_token_ttl: Duration,
        settings: Settings,
    ) -> Self {
        let base = issuer.trim_end_matches('/').to_owned();
        Self {
            issuer,
            base,
            tenant,
            apple,
            code_ttl,
            access_token_ttl,
            inner: Mutex::new(Inner::new(settings)),
        }
    }

    /// The issuer with the first segment of its path replaced (Entra ID's
    /// multi-tenant shape): by `{tenantid}` in discovery, by the tenant in id_tokens.
    /// The issuer itself without a tenant.
    pub(crate) fn issuer_for(&self, tenant: &str) -> String {
        match &self.tenant {
            Some(t) => format!("{}/{tenant}{}", t.origin, t.rest),
            None => self.issuer.clone(),
        }
    }

    /// The state (a panicking test elsewhere does not poison it for the others).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The settings as they are now.
    pub(crate) fn settings(&self) -> Settings {
        self.lock().settings.clone()
    }

    /// Counts a call.
    pub(crate) fn count(&self, counter: fn(&mut IdpCalls) -> &mut u32) {
        *counter(&mut self.lock().calls) += 1;
    }
}

/// A fresh unguessable token (256 random bits, base64url).
pub(crate) fn random_token() -> String {
    b64url(&rand::random::<[u8; 32]>())
}
