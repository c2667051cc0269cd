//! Driving an OAuth / OIDC sign-in like a browser: the app's sign-in form, the provider's
//! authorization endpoint, back to the app's callback (a redirect, or a `form_post`).

use authgate_test_support::{hidden_input, Browser, Resp};
use reqwest::Method;

/// The answers of each step of an OAuth sign-in.
#[derive(Debug)]
pub struct OAuthDance {
    /// `POST <base>/signin/<provider>`: a 302 to the provider when all is well.
    pub start: Resp,
    /// The provider's authorization endpoint (absent when `start` did not go there).
    pub authorize: Option<Resp>,
    /// The app's callback (absent when the provider did not send the browser back).
    pub callback: Option<Resp>,
}

impl OAuthDance {
    /// The callback's answer; panics (a test failure) when the dance stopped earlier.
    pub fn callback(&self) -> &Resp {
        self.callback
            .as_ref()
            .unwrap_or_else(|| panic!("the sign-in did not reach the callback: {self:#?}"))
    }

    /// The URL the provider sent the browser back to (query mode).
    pub fn callback_url(&self) -> Option<&str> {
        self.authorize.as_ref().and_then(Resp::location)
    }
}

/// Signs in with an OAuth provider: posts the sign-in form (CSRF token, `callbackUrl`,
/// and `query` appended to the action, e.g. `?prompt=login`), follows the redirect to
/// the provider, and brings its answer back to the callback.
pub async fn oauth_sign_in(
    b: &Browser,
    provider: &str,
    callback_url: &str,
    query: &str,
) -> OAuthDance {
    let csrf = b.csrf().await;
    let start = b
        .post_form(
            &format!("{}/signin/{provider}{query}", b.base_path()),
            &[("csrfToken", &csrf), ("callbackUrl", callback_url)],
        )
        .await;
    let Some(to_provider) = start
        .location()
        .filter(|l| !l.starts_with(b.base()))
        .map(str::to_owned)
    else {
        return OAuthDance {
            start,
            authorize: None,
            callback: None,
        };
    };
    let authorize = b.send(b.bare(Method::GET, &to_provider)).await;
    let callback = match (authorize.status, authorize.location()) {
        (302, Some(back)) if back.starts_with(b.base()) => Some(b.get(back).await),
        (200, _) => Some(submit_form_post(b, &authorize.body).await),
        _ => None,
    };
    OAuthDance {
        start,
        authorize: Some(authorize),
        callback,
    }
}

/// Submits a provider's `form_post` page (its form's action, hidden `code` and `state`).
pub async fn submit_form_post(b: &Browser, page: &str) -> Resp {
    let action = page
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form_post page has a form action")
        .replace("&amp;", "&");
    let mut form = Vec::new();
    for name in ["code", "state", "error", "user"] {
        if let Some(value) = hidden_input(page, name) {
            form.push((name, value));
        }
    }
    b.send(b.request(Method::POST, &action).form(&form)).await
}
