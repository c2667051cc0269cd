//! The JWT session strategy: read a session (decode, `jwt`, `session`, re-issue; Auth.js
//! `GET /session`), and mint session tokens.

use std::sync::Arc;

use http::HeaderValue;

use super::{
    model::default_session,
    outcome::{ReadMode, SessionOutcome},
};
use crate::{
    cookies::{clear_session_cookies, session_cookies, CookieAttrs, RequestCookies},
    state::State,
    Error, JwtContext, SessionContext, SessionEvent, SharedToken, Token, Trigger,
};

/// Reads a JWT session: decode (through the cache), `jwt`, maybe re-issue, `session`.
pub(crate) async fn read(
    state: &State,
    cookies: &RequestCookies<'_>,
    secure: bool,
    mode: ReadMode,
) -> SessionOutcome {
    let config = &state.config;
    let names = config.cookie_names(secure);
    let now = crate::time_now();
    // A verified token is usually in the cache: look the raw cookie up first.
    // (A chunked token is looked up chunk by chunk, not joined.)
    let cached = cookies
        .raw_session_token(&names.session_token, config.max_session_chunks)
        .and_then(|raw| Some((raw.len(), state.tokens.lookup(secure, raw.parts(), now)?)));
    let (value_len, decoded) = match cached {
        Some(hit) => hit,
        None => {
            let Some(value) =
                cookies.session_token(&names.session_token, config.max_session_chunks)
            else {
                return SessionOutcome::default();
            };
            let codec = config.token_codec(secure);
            (value.len(), state.tokens.decode(codec, secure, &value, now))
        }
    };
    let existing = || cookies.session_cookie_names(&names.session_token, config.max_session_chunks);
    let attrs = CookieAttrs { secure };
    let cleared = || SessionOutcome {
        set_cookies: clear_session_cookies(&existing(), attrs),
        ..SessionOutcome::default()
    };
    let fail = |what: &str, err: &dyn std::fmt::Display| {
        tracing::warn!(error = %err, "JWTSessionError: {what}; session cookies cleared");
        SessionOutcome {
            callback_failed: true,
            ..cleared()
        }
    };
    let decoded = match decoded {
        Ok(t) => t,
        Err(err) => {
            tracing::debug!(error = %err, "JWTSessionError: token rejected; session cookies cleared");
            return cleared();
        }
    };
    let (trigger, data) = match &mode {
        ReadMode::Route(Some(data)) => (Some(Trigger::Update), data.clone()),
        _ => (None, None),
    };
    // The default `jwt` returns the token unchanged: skip it (and the clone).
    let token = if config.callbacks.custom_jwt() {
        let ctx = JwtContext {
            token: SharedToken::from(Arc::clone(&decoded)),
            user: None,
            account: None,
            profile: None,
            trigger,
            is_new_user: None,
            session: data.clone(),
        };
        match config.callbacks.jwt(ctx).await {
            // Unchanged (never written to, or written back to the same claims).
            Ok(Some(t)) if t.is(&decoded) || *t == *decoded => Arc::clone(&decoded),
            Ok(Some(t)) => t.into_arc(),
            Ok(None) => {
                tracing::debug!("jwt callback ended the session");
                return cleared();
            }
            Err(err) => return fail("jwt callback failed", &err),
        }
    } else {
        Arc::clone(&decoded)
    };
    let reissue = match mode {
        ReadMode::Route(_) => true,
        ReadMode::App => {
            let update_age = i64::try_from(config.update_age.as_secs()).unwrap_or(i64::MAX);
            !Arc::ptr_eq(&token, &decoded)
                || decoded
                    .iat
                    .is_none_or(|iat| now.saturating_sub(iat) >= update_age)
        }
    };
    let is_update = matches!(mode, ReadMode::Route(Some(_)));
    // A token from elsewhere over the issue cap that `jwt` left as it is: read, never
    // re-issued (it could not be), so no encryption or warning on every request.
    let reissue = reissue && !(Arc::ptr_eq(&token, &decoded) && value_len > config.max_token_bytes);
    let (set_cookies, token) = if reissue {
        match issue(state, Arc::unwrap_or_clone(token), secure, &existing()) {
            Ok((cookies, issued)) => (cookies, issued),
            // Over the cap: an update fails (400), a plain read keeps the old cookie.
            Err(Error::TokenTooLarge { .. }) if is_update => {
                return SessionOutcome {
                    callback_failed: true,
                    ..SessionOutcome::default()
                }
            }
            // The session is then the one the cookie holds.
            Err(Error::TokenTooLarge { .. }) => (Vec::new(), Arc::clone(&decoded)),
            Err(err) => return fail("token could not be encoded", &err),
        }
    } else {
        (Vec::new(), token)
    };
    let expires = token.exp.unwrap_or(now);
    let mut session = default_session(
        token.name.clone(),
        token.email.clone(),
        token.picture.clone(),
        expires,
    );
    if config.callbacks.custom_session() {
        let ctx = SessionContext {
            session,
            token: Some(SharedToken::from(Arc::clone(&token))),
            user: None,
            trigger,
            new_session: data,
        };
        session = match config.callbacks.session(ctx).await {
            Ok(s) => s,
            Err(err) => return fail("session callback failed", &err),
        };
    }
    let session = Arc::new(session);
    if let (ReadMode::Route(_), Some(events)) = (&mode, &config.events) {
        let event = SessionEvent {
            session: (*session).clone(),
            token: (*token).clone(),
        };
        if let Err(err) = events.session(event).await {
            tracing::error!(error = %err, "session event failed");
        }
    }
    SessionOutcome {
        session: Some(session),
        token: Some(token),
        set_cookies,
        ..SessionOutcome::default()
    }
}

/// Stamps `token` with a fresh `iat`, `exp = now + max_age` and `jti`, and encrypts it
/// for http (`secure = false`) or https. Returns the cookie value and the stamped token.
pub(crate) fn encode(
    state: &State,
    mut token: Token,
    secure: bool,
) -> Result<(String, Token), Error> {
    let config = &state.config;
    let now = crate::time_now();
    let max_age = i64::try_from(config.max_age.as_secs()).unwrap_or(i64::MAX / 2);
    token.iat = Some(now);
    token.exp = Some(now.saturating_add(max_age));
    token.jti = Some(uuid::Uuid::new_v4().to_string());
    let jwe = config.token_codec(secure).encode_token(&token)?;
    Ok((jwe, token))
}

/// Encrypts `token` (as [`encode`]) and returns the cookies that store it (clearing
/// stale chunks of `existing`) and the stored token, which is cached (the same `Arc`).
pub(crate) fn issue(
    state: &State,
    token: Token,
    secure: bool,
    existing: &[&str],
) -> Result<(Vec<HeaderValue>, Arc<Token>), Error> {
    let config = &state.config;
    let (jwe, token) = encode(state, token, secure)?;
    if jwe.len() > config.max_token_bytes {
        tracing::warn!(
            size = jwe.len(),
            max = config.max_token_bytes,
            "the session token `jwt` returned is over the cap: not issued"
        );
        return Err(Error::TokenTooLarge {
            size: jwe.len(),
            max: config.max_token_bytes,
        });
    }
    let expires = time::OffsetDateTime::now_utc() + config.max_age;
    let names = config.cookie_names(secure);
    // The value is the codec's own output (base64url segments and dots): nothing in it
    // to percent-encode.
    let cookies = session_cookies(
        &names.session_token,
        &jwe,
        CookieAttrs { secure },
        expires,
        existing,
    );
    let token = Arc::new(token);
    state.tokens.insert(secure, jwe, Arc::clone(&token));
    Ok((cookies, token))
}
