//! The check cookies (`state`, PKCE code verifier, `nonce`): encrypted as Auth.js does
//! (a JWE whose key salt is the cookie name), valid 15 minutes, bound to the provider
//! that started the sign-in, and cleared by the callback whatever its outcome.

use http::HeaderValue;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::Check;
use crate::{
    cookies::{clear_cookie_with, set_cookie_with, CookieAttrs, CookieNames, RequestCookies},
    Error, ErrorCode, TokenCodec,
};

/// How long a check cookie lives (Auth.js: 15 minutes).
pub(crate) const CHECK_MAX_AGE_SECS: i64 = 15 * 60;

/// The cookie name of a check.
pub(crate) fn cookie_name(names: &CookieNames, check: Check) -> &str {
    match check {
        Check::State => &names.state,
        Check::Pkce => &names.pkce,
        Check::Nonce => &names.nonce,
    }
}

/// The `Set-Cookie` for a check value, encrypted with `codec` (the check's own). A
/// `callback_url` rides along (in the state cookie of a `form_post` provider, whose
/// cross-site answer does not bring the `SameSite=Lax` callback-url cookie).
pub(crate) fn issue(
    codec: &TokenCodec,
    name: &str,
    provider: &str,
    value: &str,
    attrs: CookieAttrs,
    cross_site: bool,
    callback_url: Option<&str>,
) -> Result<HeaderValue, Error> {
    let now = crate::time_now();
    let mut claims = Map::new();
    claims.insert("value".into(), Value::String(value.to_owned()));
    claims.insert("provider".into(), Value::String(provider.to_owned()));
    if let Some(url) = callback_url {
        claims.insert("callbackUrl".into(), Value::String(url.to_owned()));
    }
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + CHECK_MAX_AGE_SECS).into());
    let jwe = codec.encode(&claims)?;
    let expires = time::OffsetDateTime::now_utc() + time::Duration::seconds(CHECK_MAX_AGE_SECS);
    Ok(set_cookie_with(
        name,
        &jwe,
        attrs,
        Some(expires),
        cross_site,
    ))
}

/// The value of a check cookie, if it is present, decrypts, has not expired and was
/// minted for `provider`; otherwise `InvalidCheck` with the cause.
pub(crate) fn read(
    codec: &TokenCodec,
    cookies: &RequestCookies<'_>,
    name: &str,
    provider: &str,
) -> Result<String, Error> {
    let claims = read_claims(codec, cookies, name, provider)?;
    claims
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::auth(
                ErrorCode::InvalidCheck,
                format!("{name}: cookie has no value"),
            )
        })
}

fn read_claims(
    codec: &TokenCodec,
    cookies: &RequestCookies<'_>,
    name: &str,
    provider: &str,
) -> Result<Map<String, Value>, Error> {
    let invalid = |why: &str| Error::auth(ErrorCode::InvalidCheck, format!("{name}: {why}"));
    let raw = cookies.get(name).ok_or_else(|| invalid("cookie missing"))?;
    let claims = codec
        .decode(&raw)
        .map_err(|e| invalid(&format!("cookie rejected ({e})")))?;
    let minted_for = claims.get("provider").and_then(Value::as_str);
    if minted_for != Some(provider) {
        return Err(invalid("cookie minted for another provider"));
    }
    Ok(claims)
}

/// Checks the `state` the provider echoed against its cookie, in constant time; returns
/// the callback URL the cookie carried, if any.
pub(crate) fn verify_state(
    codec: &TokenCodec,
    cookies: &RequestCookies<'_>,
    name: &str,
    provider: &str,
    echoed: Option<&str>,
) -> Result<Option<String>, Error> {
    let claims = read_claims(codec, cookies, name, provider)?;
    let expected = claims.get("value").and_then(Value::as_str).unwrap_or("");
    let echoed = echoed.ok_or_else(|| {
        Error::auth(
            ErrorCode::InvalidCheck,
            "the provider sent no state parameter",
        )
    })?;
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(echoed.as_bytes())) {
        return Err(Error::auth(
            ErrorCode::InvalidCheck,
            "state does not match its cookie",
        ));
    }
    Ok(claims
        .get("callbackUrl")
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// `Set-Cookie` headers clearing every check cookie the request carries (single use).
pub(crate) fn clear_all(
    names: &CookieNames,
    cookies: &RequestCookies<'_>,
    attrs: CookieAttrs,
    cross_site: bool,
) -> Vec<HeaderValue> {
    [Check::State, Check::Pkce, Check::Nonce]
        .into_iter()
        .map(|check| cookie_name(names, check))
        .filter(|name| cookies.get(name).is_some())
        .map(|name| clear_cookie_with(name, attrs, cross_site))
        .collect()
}

#[cfg(test)]
mod tests {
    use http::{header::COOKIE, HeaderMap};

    use super::*;
    use crate::TokenFormat;

    const NAME: &str = "authjs.state";

    fn codec() -> TokenCodec {
        TokenCodec::new(
            TokenFormat::AuthJsV5,
            &["a-test-secret-of-32-bytes-or-more!"],
            NAME,
        )
        .expect("codec")
    }

    fn jar(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, format!("{NAME}={value}").parse().expect("header"));
        h
    }

    fn sealed(exp_from_now: i64, provider: &str) -> String {
        let now = crate::time_now();
        let claims = serde_json::json!({
            "value": "v", "provider": provider, "iat": now, "exp": now + exp_from_now
        });
        let Value::Object(map) = claims else {
            unreachable!()
        };
        codec().encode(&map).expect("encode")
    }

    #[test]
    fn a_fresh_cookie_reads_back_for_its_provider_only() {
        let attrs = CookieAttrs { secure: false };
        let set = issue(&codec(), NAME, "idp", "v", attrs, false, Some("/next")).expect("issue");
        let value = set
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")[NAME.len() + 1..]
            .to_owned();
        let h = jar(&value);
        let cookies = RequestCookies::parse(&h);
        assert_eq!(read(&codec(), &cookies, NAME, "idp").expect("read"), "v");
        assert_eq!(
            verify_state(&codec(), &cookies, NAME, "idp", Some("v")).expect("state"),
            Some("/next".to_owned())
        );
        let err = read(&codec(), &cookies, NAME, "other").expect_err("foreign");
        assert_eq!(err.code(), ErrorCode::InvalidCheck);
        assert!(verify_state(&codec(), &cookies, NAME, "idp", Some("w")).is_err());
        assert!(verify_state(&codec(), &cookies, NAME, "idp", None).is_err());
    }

    #[test]
    fn expired_tampered_and_missing_cookies_fail() {
        let h = jar(&sealed(-60, "idp"));
        let err = read(&codec(), &RequestCookies::parse(&h), NAME, "idp").expect_err("expired");
        assert_eq!(err.code(), ErrorCode::InvalidCheck);
        let h = jar(&sealed(-5, "idp"));
        assert!(
            read(&codec(), &RequestCookies::parse(&h), NAME, "idp").is_ok(),
            "within the clock tolerance"
        );
        let mut tampered = sealed(600, "idp");
        tampered.insert(20, 'A');
        let h = jar(&tampered);
        assert!(read(&codec(), &RequestCookies::parse(&h), NAME, "idp").is_err());
        let h = HeaderMap::new();
        assert!(read(&codec(), &RequestCookies::parse(&h), NAME, "idp").is_err());
        let other = TokenCodec::new(
            TokenFormat::AuthJsV5,
            &["another-secret-of-32-bytes-or-more"],
            NAME,
        )
        .expect("codec");
        let h = jar(&sealed(600, "idp"));
        assert!(read(&other, &RequestCookies::parse(&h), NAME, "idp").is_err());
    }
}
