//! The database session strategy, as Auth.js: the cookie holds an opaque random token;
//! the store holds its SHA-256 (so a leaked sessions table holds no usable cookie),
//! the user id and the expiry. Reads slide the expiry at most once per `update_age`;
//! an expired or unknown token is deleted and its cookie cleared; a store that cannot
//! be asked leaves the cookie alone.

use http::HeaderValue;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{
    model::default_session,
    outcome::{ReadMode, SessionOutcome},
};
use crate::{
    adapter::{Adapter, AdapterSession},
    cookies::{clear_session_cookies, set_cookie, CookieAttrs, RequestCookies},
    state::State,
    Error, ErrorCode, SessionContext, SessionEvent, Token, Trigger,
};

/// A new session token: 32 random bytes, hex (as Auth.js).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the store keeps for a cookie's token: `hex(SHA-256(token))` (written through a
/// buffer: `hex::encode` builds its `String` a `char` at a time, on every read).
pub(crate) fn hash_token(token: &str) -> String {
    let mut hex = [0u8; 64];
    // 32 bytes always fill 64 hex digits, which are ASCII.
    let _ = hex::encode_to_slice(Sha256::digest(token.as_bytes()), &mut hex);
    String::from_utf8(hex.to_vec()).unwrap_or_default()
}

fn adapter(state: &State) -> Result<&dyn Adapter, Error> {
    state.config.adapter.as_deref().ok_or_else(|| {
        Error::auth(
            ErrorCode::MissingAdapter,
            "database sessions need an adapter",
        )
    })
}

/// Creates a session row for a user and returns the cookies that carry its token.
pub(crate) async fn create(
    state: &State,
    user_id: &str,
    secure: bool,
    existing: &[&str],
) -> Result<Vec<HeaderValue>, Error> {
    let adapter = adapter(state)?;
    let token = new_token();
    let expires = OffsetDateTime::now_utc() + state.config.max_age;
    let session = AdapterSession {
        session_token: hash_token(&token),
        user_id: user_id.to_owned(),
        expires: expires.replace_nanosecond(0).unwrap_or(expires),
    };
    let session = adapter
        .create_session(session)
        .await
        .map_err(|e| Error::auth(ErrorCode::AdapterError, format!("create_session: {e}")))?;
    let names = state.config.cookie_names(secure);
    let attrs = CookieAttrs { secure };
    let mut cookies = vec![set_cookie(
        &names.session_token,
        &token,
        attrs,
        Some(session.expires),
    )];
    // A JWT (or chunks of one) from before: gone.
    cookies.extend(clear_session_cookies(
        &existing
            .iter()
            .copied()
            .filter(|n| *n != names.session_token)
            .collect::<Vec<_>>(),
        attrs,
    ));
    Ok(cookies)
}

/// Deletes the session a request carries (sign-out); returns it.
pub(crate) async fn delete(
    state: &State,
    cookies: &RequestCookies<'_>,
    secure: bool,
) -> Result<Option<AdapterSession>, Error> {
    let names = state.config.cookie_names(secure);
    let Some(token) = cookies.get(&names.session_token) else {
        return Ok(None);
    };
    let hashed = hash_token(&token);
    state.sessions.remove(&hashed);
    let deleted = adapter(state)?
        .delete_session(&hashed)
        .await
        .map_err(|e| Error::auth(ErrorCode::AdapterError, format!("delete_session: {e}")));
    // Again: a read that overlapped the delete may have cached it meanwhile.
    state.sessions.remove(&hashed);
    deleted
}

/// Reads a database session: the session and user, the sliding expiry, `session`.
pub(crate) async fn read(
    state: &State,
    cookies: &RequestCookies<'_>,
    secure: bool,
    mode: ReadMode,
) -> SessionOutcome {
    let config = &state.config;
    let names = config.cookie_names(secure);
    let Some(token) = cookies.get(&names.session_token).filter(|t| !t.is_empty()) else {
        return SessionOutcome::default();
    };
    let attrs = CookieAttrs { secure };
    let Some(shared) = &state.config.adapter else {
        return SessionOutcome::default();
    };
    let adapter = shared.as_ref();
    let hashed = hash_token(&token);
    // App routes may use the cache; `/session` reads (and refreshes) the store.
    let seen = state.sessions.epoch();
    let cached = match mode {
        ReadMode::App => state.sessions.get(&hashed),
        ReadMode::Route(_) => None,
    };
    let from_cache = cached.is_some();
    let found = match cached {
        Some(hit) => Ok(Some(hit)),
        None => state.session_reads.get(shared, &hashed).await,
    };
    let found = match found {
        Ok(found) => found,
        Err(err) => {
            tracing::warn!(error = %err, "SessionTokenError: the session store failed; cookie kept");
            return SessionOutcome {
                unavailable: true,
                ..SessionOutcome::default()
            };
        }
    };
    let Some((session, user)) = found else {
        state.sessions.remove(&hashed);
        // Unknown or expired: delete what may be left, clear the cookie.
        if let Err(err) = adapter.delete_session(&hashed).await {
            tracing::debug!(error = %err, "deleting an expired session failed");
        }
        tracing::debug!("no session for this token; cookie cleared");
        let existing =
            cookies.session_cookie_names(&names.session_token, state.config.max_session_chunks);
        return SessionOutcome {
            set_cookies: clear_session_cookies(&existing, attrs),
            ..SessionOutcome::default()
        };
    };
    let now = OffsetDateTime::now_utc();
    let mut expires = session.expires;
    // Auth.js: write only when `expires - max_age + update_age <= now`.
    // (A cached read never writes: the store read that filled the cache slid it.)
    let due = !from_cache && session.expires - config.max_age + config.update_age <= now;
    if due {
        let later = now + config.max_age;
        let later = later.replace_nanosecond(0).unwrap_or(later);
        match adapter.update_session(&hashed, later).await {
            Ok(Some(updated)) => expires = updated.expires,
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "sliding the session expiry failed"),
        }
    }
    match mode {
        // An update may change the stored user (the `session` callback): not cached.
        ReadMode::Route(Some(_)) => state.sessions.remove(&hashed),
        _ if !from_cache => state.sessions.insert(seen, &session, expires, &user),
        _ => {}
    }
    let set_cookies = if due || matches!(mode, ReadMode::Route(_)) {
        vec![set_cookie(
            &names.session_token,
            &token,
            attrs,
            Some(expires),
        )]
    } else {
        Vec::new()
    };
    let (trigger, data) = match &mode {
        ReadMode::Route(Some(data)) => (Some(Trigger::Update), data.clone()),
        _ => (None, None),
    };
    let expires = expires.unix_timestamp();
    let mut shaped;
    if config.callbacks.custom_session() {
        let user = user.into_user();
        shaped = default_session(
            user.name.clone(),
            user.email.clone(),
            user.image.clone(),
            expires,
        );
        let ctx = SessionContext {
            session: shaped,
            token: None,
            user: Some(user),
            trigger,
            new_session: data,
        };
        shaped = match config.callbacks.session(ctx).await {
            Ok(s) => s,
            Err(err) => {
                tracing::warn!(error = %err, "SessionTokenError: session callback failed");
                return SessionOutcome {
                    callback_failed: true,
                    ..SessionOutcome::default()
                };
            }
        };
    } else {
        shaped = default_session(user.name, user.email, user.image, expires);
    }
    let shaped = std::sync::Arc::new(shaped);
    if let (ReadMode::Route(_), Some(events)) = (&mode, &config.events) {
        let event = SessionEvent {
            session: (*shaped).clone(),
            token: Token::default(),
        };
        if let Err(err) = events.session(event).await {
            tracing::error!(error = %err, "session event failed");
        }
    }
    SessionOutcome {
        session: Some(shaped),
        set_cookies,
        ..SessionOutcome::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_hashed_as_hex_sha256() {
        assert_eq!(
            super::hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
