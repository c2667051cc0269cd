//! An [`Adapter`](authgate_core::adapter::Adapter) on SQL databases with `sqlx`:
//! SQLite, the embedded default (a file, created and migrated on first use, no
//! server), and PostgreSQL.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use authgate_core::adapter::{Adapter, NewUser};
//! use authgate_sqlx::SqlxAdapter;
//!
//! // `sqlite://auth.db` in an app: the file is created and migrated here.
//! let adapter: Arc<dyn Adapter> = Arc::new(SqlxAdapter::connect("sqlite::memory:").await?);
//! let user = adapter
//!     .create_user(NewUser { email: Some("ada@example.com".into()), ..NewUser::default() })
//!     .await?;
//! assert_eq!(adapter.get_user_by_email("ada@example.com").await?, Some(user));
//! # Ok(())
//! # }
//! ```
//!
//! PostgreSQL is migrated when the app says so:
//!
//! ```no_run
//! # async fn run() -> Result<(), authgate_sqlx::Error> {
//! let adapter = authgate_sqlx::SqlxAdapter::connect("postgres://app:secret@db.internal/app").await?;
//! adapter.migrate().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Schema
//!
//! Tables prefixed `authgate_`, Auth.js's columns in snake case (the SQL is in
//! `migrations/sqlite` and `migrations/postgres`):
//!
//! - `authgate_users`: `id` (a random UUID), `name`, `email` (unique),
//!   `email_verified`, `image`;
//! - `authgate_accounts`: `user_id` (deleted with the user), `type`, `provider`,
//!   `provider_account_id` (the key, with `provider`), `access_token`,
//!   `refresh_token`, `expires_at`, `token_type`, `scope`, `id_token`,
//!   `session_state`, and `extra`, a JSON object of every other field;
//! - `authgate_sessions`: `session_token` (hashed), `user_id` (deleted with the user),
//!   `expires`;
//! - `authgate_verification_tokens`: `identifier`, `token` (hashed), `expires`.
//!
//! Times have second precision, in UTC: `TIMESTAMPTZ` on PostgreSQL, Unix seconds on
//! SQLite. The applied migrations are recorded in [`MIGRATIONS_TABLE`], apart from
//! the app's own.
//!
//! # Errors
//!
//! A unique violation is [`AdapterError::Conflict`](authgate_core::adapter::AdapterError),
//! any other database failure `AdapterError::Backend`; the pool replaces broken
//! connections, so the adapter recovers when the database comes back.

mod accounts;
mod adapter;
mod connect;
mod db;
mod error;
mod inline;
mod migrate;
mod sessions;
mod tokens;
mod users;

pub use connect::SqlxAdapter;
pub use error::Error;
pub use migrate::MIGRATIONS_TABLE;
/// The `sqlx` this crate is built with, for apps that make their own pool.
pub use sqlx;
