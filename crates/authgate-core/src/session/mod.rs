//! Sessions: what a client sees ([`Session`]), and reading one for a request, by strategy.
//!
//! - `jwt.rs`: the JWT strategy (decode, `jwt`, `session`, re-issue; minting tokens).
//! - `model.rs`: [`Session`] and [`SessionUser`].
//! - `outcome.rs`: [`SessionOutcome`], what a read gives the integrations.

pub(crate) mod jwt;
mod model;
mod outcome;

pub(crate) use model::convert;
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
        // `AuthConfigBuilder::build` refuses the database strategy until adapters exist.
        SessionStrategy::Database => {
            tracing::error!("the database session strategy has no adapter");
            SessionOutcome::default()
        }
    }
}
