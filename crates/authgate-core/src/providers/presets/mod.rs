//! Provider presets: each a function returning an [`crate::OAuth`] with the provider's
//! endpoints, scopes, checks and profile mapping. Adjust any of it with the builder
//! methods (e.g. point the endpoints at a test server).
//!
//! ```
//! let github = authgate_core::presets::github("client-id", "client-secret");
//! assert_eq!(github.provider_id(), "github");
//! ```

mod github;

pub use github::github;
