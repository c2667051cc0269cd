//! Provider presets: each a function returning an [`crate::OAuth`] with the provider's
//! endpoints, scopes, checks and profile mapping, and the id and name Auth.js gives it.
//! Adjust any of it with the builder methods (e.g. point the endpoints at a test server).
//!
//! | preset | id | kind |
//! | --- | --- | --- |
//! | [`apple`] | `apple` | OIDC, `form_post`, minted client secret |
//! | [`auth0`] | `auth0` | OIDC by issuer |
//! | [`discord`] | `discord` | OAuth 2 |
//! | [`github`] | `github` | OAuth 2 |
//! | [`gitlab`], [`gitlab_at`] | `gitlab` | OAuth 2 |
//! | [`google`] | `google` | OIDC |
//! | [`keycloak`] | `keycloak` | OIDC by issuer |
//! | [`microsoft_entra_id`] | `microsoft-entra-id` | OIDC by tenant |
//! | [`okta`] | `okta` | OIDC by issuer |
//!
//! Any other OpenID Connect provider needs no preset: [`crate::OAuth::oidc`] configures
//! one by discovery from its issuer (scope `openid profile email`, state, PKCE and
//! nonce, the profile from the id_token's claims and userinfo).
//!
//! ```
//! use authgate_core::{presets, OAuth};
//!
//! let github = presets::github("client-id", "client-secret");
//! assert_eq!(github.provider_id(), "github");
//!
//! let corp = OAuth::oidc("corp", "Corp SSO", "https://sso.corp.example")
//!     .client_id("client-id")
//!     .client_secret("client-secret");
//! assert_eq!(corp.provider_id(), "corp");
//! ```

mod apple;
mod auth0;
mod common;
mod discord;
mod github;
mod gitlab;
mod google;
mod keycloak;
mod microsoft_entra_id;
mod okta;

pub use apple::apple;
pub use auth0::auth0;
pub use discord::discord;
pub use github::github;
pub use gitlab::{gitlab, gitlab_at};
pub use google::google;
pub use keycloak::keycloak;
pub use microsoft_entra_id::microsoft_entra_id;
pub use okta::okta;
