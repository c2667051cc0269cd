//! Reading a JWT session: decode, `jwt`, `session`, re-issue (Auth.js `GET /session`).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde_json::Value;

use crate::{
    cookies::{clear_session_cookies, CookieAttrs, RequestCookies},
    engine::{json, no_store, RouteCtx, SessionOutcome},
    Auth, JwtContext, Session, SessionContext, SessionEvent, SessionUser, Token, Trigger,
};

/// Who reads the session.
#[derive(Clone, Debug)]
pub(crate) enum ReadMode {
    /// `GET /session` (`None`) or `POST /session` (`Some(data)`): always re-issued.
    Route(Option<Option<Value>>),
    /// An app route: re-issued only when `jwt` changed the token or it is older than
    /// `update_age`.
    App,
}

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

impl Auth {
    pub(crate) async fn read_session(
        &self,
        cookies: &RequestCookies<'_>,
        secure: bool,
        mode: ReadMode,
    ) -> SessionOutcome {
        let config = &self.inner.config;
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
        let decoded = match self.decode_token(secure, &value) {
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
            match self.issue_token(Arc::unwrap_or_clone(token), secure, &existing()) {
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

    /// `GET /session` and `POST /session`.
    pub(crate) async fn session_route(
        &self,
        ctx: RouteCtx<'_>,
        update: Option<Option<Value>>,
    ) -> Response<Bytes> {
        let is_update = update.is_some();
        let outcome = self
            .read_session(&ctx.cookies, ctx.origin.secure, ReadMode::Route(update))
            .await;
        let mut cookies: Vec<HeaderValue> = ctx.set_cookies;
        let failed = outcome.callback_failed;
        cookies.extend(outcome.set_cookies);
        match outcome.session {
            Some(session) => {
                let res = json(StatusCode::OK, &session, cookies);
                if is_update {
                    res
                } else {
                    no_store(res)
                }
            }
            // A callback that failed during an update is a 400, as Auth.js; no, invalid
            // or expired token (or `jwt` ending the session) is a plain `null`.
            None if is_update && failed => json(StatusCode::BAD_REQUEST, &Value::Null, cookies),
            None if is_update => json(StatusCode::OK, &Value::Null, cookies),
            None => no_store(json(StatusCode::OK, &Value::Null, cookies)),
        }
    }
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
