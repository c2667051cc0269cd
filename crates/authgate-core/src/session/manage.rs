//! Session management beyond Auth.js (database strategy): a signed-in user lists their
//! sessions and revokes one, or all the others ("sign out everywhere else"). Sessions
//! are named by an opaque id derived from the stored hash: neither the cookie's token
//! nor its hash reaches the client.

use http::HeaderMap;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::database::hash_token;
use crate::{
    adapter::Adapter, cookies::RequestCookies, origin::Origin, state::State, Error, ErrorCode,
};

/// One of the signed-in user's sessions, as shown to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// An opaque id, to revoke it with (not the session token).
    pub id: String,
    /// When it expires (ISO 8601).
    pub expires: String,
    /// Whether it is the session of this request.
    pub current: bool,
}

/// The public id of a stored (hashed) session token.
fn public_id(hashed: &str) -> String {
    let digest = Sha256::digest(format!("authgate session id\u{0}{hashed}").as_bytes());
    hex::encode(&digest[..16])
}

fn adapter(state: &State) -> Result<&dyn Adapter, Error> {
    state.config.adapter.as_deref().ok_or_else(|| {
        Error::auth(
            ErrorCode::MissingAdapter,
            "session management needs database sessions",
        )
    })
}

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::auth(ErrorCode::AdapterError, e.to_string())
}

/// The signed-in user's id and hashed session token; `None` without a valid session.
async fn current(
    state: &State,
    origin: &Origin,
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, Error> {
    let adapter = adapter(state)?;
    let cookies = RequestCookies::parse(headers);
    let names = state.config.cookie_names(origin.secure);
    let Some(token) = cookies.get(&names.session_token) else {
        return Ok(None);
    };
    let hashed = hash_token(&token);
    let found = adapter
        .get_session_and_user(&hashed)
        .await
        .map_err(store_error)?;
    Ok(found.map(|(_, user)| (user.id, hashed)))
}

/// The signed-in user's sessions (none without a session).
pub(crate) async fn list(
    state: &State,
    origin: &Origin,
    headers: &HeaderMap,
) -> Result<Vec<SessionInfo>, Error> {
    let Some((user_id, hashed)) = current(state, origin, headers).await? else {
        return Ok(Vec::new());
    };
    let sessions = adapter(state)?
        .list_sessions(&user_id)
        .await
        .map_err(store_error)?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionInfo {
            id: public_id(&s.session_token),
            expires: super::model::iso(s.expires.unix_timestamp()),
            current: s.session_token == hashed,
        })
        .collect())
}

/// Revokes one of the signed-in user's sessions by its public id; whether it existed.
pub(crate) async fn revoke(
    state: &State,
    origin: &Origin,
    headers: &HeaderMap,
    id: &str,
) -> Result<bool, Error> {
    let Some((user_id, _)) = current(state, origin, headers).await? else {
        return Ok(false);
    };
    let adapter = adapter(state)?;
    let sessions = adapter.list_sessions(&user_id).await.map_err(store_error)?;
    let Some(target) = sessions.iter().find(|s| public_id(&s.session_token) == id) else {
        return Ok(false);
    };
    state.sessions.remove(&target.session_token);
    let deleted = adapter.delete_session(&target.session_token).await;
    // Again after the delete: a read that overlapped it may have cached the session.
    state.sessions.remove(&target.session_token);
    Ok(deleted.map_err(store_error)?.is_some())
}

/// Revokes every session of the signed-in user but this request's; how many.
pub(crate) async fn revoke_others(
    state: &State,
    origin: &Origin,
    headers: &HeaderMap,
) -> Result<u64, Error> {
    let Some((user_id, hashed)) = current(state, origin, headers).await? else {
        return Ok(0);
    };
    let adapter = adapter(state)?;
    let others: Vec<String> = adapter
        .list_sessions(&user_id)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|s| s.session_token)
        .filter(|token| *token != hashed)
        .collect();
    let forget = || {
        for token in &others {
            state.sessions.remove(token);
        }
    };
    forget();
    let deleted = adapter.delete_sessions(&user_id, Some(&hashed)).await;
    // Again after the delete: a read that overlapped it may have cached one.
    forget();
    deleted.map_err(store_error)
}
