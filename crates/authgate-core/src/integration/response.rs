//! What an integration does to an app's response after the handler ran: append the
//! re-issued session cookie (unless the handler set or cleared it itself) and forbid
//! storing a response that sets a session cookie.

use http::HeaderValue;

use super::LazySession;
use crate::respond::{forbids_storing, sets_session_cookie, PRIVATE_NO_STORE};

/// The decision for one app response; integrations apply it to their own header types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponsePlan {
    /// Append [`LazySession::set_cookies`] (false when there is nothing to append or the
    /// handler's response already sets or clears the session cookie: authgate leaves
    /// the app's cookie alone).
    pub append_cookies: bool,
    /// Set `Cache-Control` to [`ResponsePlan::CACHE_CONTROL`] (replacing any weaker
    /// value): the response sets a session cookie and does not already forbid storing.
    pub forbid_storing: bool,
}

impl ResponsePlan {
    /// The `Cache-Control` value set when [`ResponsePlan::forbid_storing`].
    pub const CACHE_CONTROL: &'static str = PRIVATE_NO_STORE;

    /// [`ResponsePlan::CACHE_CONTROL`] as an `http` header value.
    pub fn cache_control() -> HeaderValue {
        HeaderValue::from_static(PRIVATE_NO_STORE)
    }
}

impl LazySession {
    /// Decides what to do with the handler's response, from its `Set-Cookie` and
    /// `Cache-Control` header values (as bytes, so any `http` version fits).
    pub fn plan_response<'a>(
        &self,
        set_cookies: impl IntoIterator<Item = &'a [u8]>,
        cache_control: impl IntoIterator<Item = &'a [u8]>,
    ) -> ResponsePlan {
        let config = self.auth().config();
        let names = [
            config.cookie_names(false).session_token.as_str(),
            config.cookie_names(true).session_token.as_str(),
        ];
        let own = sets_session_cookie(set_cookies, &names);
        let append_cookies = !own && !self.set_cookies().is_empty();
        ResponsePlan {
            append_cookies,
            forbid_storing: (own || append_cookies) && !forbids_storing(cache_control),
        }
    }
}
