//! The JWT session strategy: read a session (decode, `jwt`, `session`, re-issue; Auth.js
//! `GET /session`), and mint session tokens.

use std::sync::Arc;

use http::HeaderValue;

use super::outcome::{ReadMode, SessionOutcome};
use crate::{
    cookies::{clear_session_cookies, session_cookies, CookieAttrs, RequestCookies},
    state::State,
    Error, JwtContext, Session, SessionContext, SessionEvent, SessionUser, Token, Trigger,
};

/// `expires` as JavaScript's `Date.toISOString()` writes it (`2026-12-24T10:00:00.000Z`).
/// Written digit by digit: this runs on every session read.
fn iso(unix: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let year = u32::try_from(at.year()).unwrap_or(0);
    let mut out = String::with_capacity(24);
    for (value, width, sep) in [
        (year, 4, '-'),
        (u32::from(u8::from(at.month())), 2, '-'),
        (u32::from(at.day()), 2, 'T'),
        (u32::from(at.hour()), 2, ':'),
        (u32::from(at.minute()), 2, ':'),
        (u32::from(at.second()), 2, '.'),
    ] {
        for place in (0..width).rev() {
            let digit = (value / 10u32.pow(place)) % 10;
            out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        }
        out.push(sep);
    }
    out.push_str("000Z");
    out
}

/// The default session of a token: `{user: {name, email, image}, expires}`.
pub(crate) fn default_session(token: &Token, expires: i64) -> Session {
    Session {
        user: Some(SessionUser {
            name: token.name.clone(),
            email: token.email.clone(),
            image: token.picture.clone(),
            ..SessionUser::default()
        }),
        expires: iso(expires),
        ..Session::default()
    }
}

/// Reads a JWT session: decode (through the cache), `jwt`, maybe re-issue, `session`.
pub(crate) async fn read(
    state: &State,
    cookies: &RequestCookies<'_>,
    secure: bool,
    mode: ReadMode,
) -> SessionOutcome {
    let config = &state.config;
    let names = config.cookie_names(secure);
    let Some(value) = cookies.session_token(&names.session_token) else {
        return SessionOutcome::default();
    };
    let existing = || cookies.session_cookie_names(&names.session_token);
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
    let decoded = match state
        .tokens
        .decode(config.token_codec(secure), secure, &value)
    {
        Ok(t) => t,
        Err(err) => {
            tracing::info!(error = %err, "JWTSessionError: token rejected; session cookies cleared");
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
            token: (*decoded).clone(),
            user: None,
            account: None,
            profile: None,
            trigger,
            is_new_user: None,
            session: data.clone(),
        };
        match config.callbacks.jwt(ctx).await {
            Ok(Some(t)) if t == *decoded => Arc::clone(&decoded),
            Ok(Some(t)) => Arc::new(t),
            Ok(None) => {
                tracing::debug!("jwt callback ended the session");
                return cleared();
            }
            Err(err) => return fail("jwt callback failed", &err),
        }
    } else {
        Arc::clone(&decoded)
    };
    let now = crate::time_now();
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
    let (set_cookies, token) = if reissue {
        match issue(state, Arc::unwrap_or_clone(token), secure, &existing()) {
            Ok((cookies, issued)) => (cookies, Arc::new(issued)),
            Err(err) => return fail("token could not be encoded", &err),
        }
    } else {
        (Vec::new(), token)
    };
    let expires = token.exp.unwrap_or(now);
    let mut session = default_session(&token, expires);
    if config.callbacks.custom_session() {
        let ctx = SessionContext {
            session,
            token: (*token).clone(),
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
        callback_failed: false,
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
    let jwe = config.token_codec(secure).encode(&token.to_claims()?)?;
    Ok((jwe, token))
}

/// Encrypts `token` (as [`encode`]) and returns the cookies that store it (clearing
/// stale chunks of `existing`) and the stored token, which is cached.
pub(crate) fn issue(
    state: &State,
    token: Token,
    secure: bool,
    existing: &[&str],
) -> Result<(Vec<HeaderValue>, Token), Error> {
    let config = &state.config;
    let (jwe, token) = encode(state, token, secure)?;
    let expires = time::OffsetDateTime::now_utc() + config.max_age;
    let names = config.cookie_names(secure);
    let cookies = session_cookies(
        &names.session_token,
        &jwe,
        CookieAttrs { secure },
        expires,
        existing,
    );
    state.tokens.insert(secure, jwe, Arc::new(token.clone()));
    Ok((cookies, token))
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_matches_to_iso_string() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(1_795_373_425), "2026-11-22T18:50:25.000Z");
        assert_eq!(super::iso(4_948_973_425), "2126-10-29T18:50:25.000Z");
    }
}
