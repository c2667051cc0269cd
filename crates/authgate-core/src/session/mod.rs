//! Sessions: what a client sees ([`Session`]), and reading one for a request, by strategy.
//!
//! - `jwt.rs`: the JWT strategy (decode, `jwt`, `session`, re-issue; minting tokens).
//! - `database.rs`: the database strategy (hashed opaque tokens in an adapter).
//! - `batch.rs`: concurrent database session reads gathered into one store call.
//! - `manage.rs`: listing and revoking a user's database sessions.
//! - `model.rs`: [`Session`] and [`SessionUser`].
//! - `outcome.rs`: [`SessionOutcome`], what a read gives the integrations.

pub(crate) mod batch;
pub(crate) mod cache;
pub(crate) mod database;
pub(crate) mod jwt;
pub(crate) mod manage;
mod model;
mod outcome;

pub use manage::SessionInfo;
pub(crate) use model::{convert, iso};
pub use model::{Session, SessionUser};
pub(crate) use outcome::ReadMode;
pub use outcome::SessionOutcome;

use crate::{cookies::RequestCookies, state::State, SessionStrategy};

/// Reads the session of a request with the configured strategy.
pub(crate) async fn read(
    state: &State,
    cookies: &RequestCookies<'_>,
    secure: bool,
    mode: ReadMode,
) -> SessionOutcome {
    match state.config.strategy {
        SessionStrategy::Jwt => jwt::read(state, cookies, secure, mode).await,
        SessionStrategy::Database => database::read(state, cookies, secure, mode).await,
    }
}
