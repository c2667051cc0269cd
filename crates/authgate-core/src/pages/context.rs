//! What a page needs from the request.

use crate::AuthConfig;

/// The data a page needs from the request.
pub(crate) struct PageContext<'a> {
    pub(crate) config: &'a AuthConfig,
    /// Origin + base path.
    pub(crate) base_url: &'a str,
    pub(crate) csrf_token: &'a str,
    pub(crate) callback_url: &'a str,
}
