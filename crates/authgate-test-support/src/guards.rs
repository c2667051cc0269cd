//! A shared check of the guard modes, for the integrations' own suites.

use crate::{form_encode, get_with};

/// Checks a server that guards `/page` with `GuardMode::Redirect`, `/api` with
/// `GuardMode::Unauthorized` and `/auto` with the default mode, each answering its own
/// name (without the slash) when let through: without a session each answers as its mode
/// says, whatever the `Accept` header; with `signed_in_cookie` (a `name=value` session
/// cookie) all three let the request through.
pub async fn assert_guard_modes(base: &str, signed_in_cookie: &str) {
    let to_sign_in = |path: &str| {
        format!(
            "{base}/auth/signin?callbackUrl={}",
            form_encode(&format!("{base}{path}"))
        )
    };
    for accept in [None, Some("text/html"), Some("application/json")] {
        let res = get_with(base, "/page", None, accept).await;
        assert_eq!(res.status, 302, "page, accept {accept:?}");
        assert_eq!(res.location(), Some(to_sign_in("/page").as_str()));
        let res = get_with(base, "/api", None, accept).await;
        assert_eq!(res.status, 401, "api, accept {accept:?}");
        assert_eq!(res.body, r#"{"error":"Unauthorized"}"#);
        let res = get_with(base, "/auto", None, accept).await;
        let expected = if accept == Some("text/html") {
            302
        } else {
            401
        };
        assert_eq!(res.status, expected, "auto, accept {accept:?}");
    }
    for path in ["/page", "/api", "/auto"] {
        let res = get_with(base, path, Some(signed_in_cookie), None).await;
        assert_eq!((res.status, res.body.as_str()), (200, &path[1..]), "{path}");
    }
}
