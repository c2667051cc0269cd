//! The session object returned by `GET /session` and handed to extractors.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// `value` as the app's type `T`: a plain move when `T` is `V` itself, a serde round
/// trip otherwise.
pub(crate) fn convert<V, T>(value: V) -> Result<T, Error>
where
    V: Serialize + 'static,
    T: DeserializeOwned + 'static,
{
    // Same type: move it out through `Option` (no allocation, no serde).
    let mut slot = Some(value);
    if let Some(same) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<T>>() {
        if let Some(value) = same.take() {
            return Ok(value);
        }
    }
    match slot {
        Some(value) => Ok(T::deserialize(serde_json::to_value(&value)?)?),
        None => Err(Error::InvalidToken("type mismatch")),
    }
}

/// The user part of a [`Session`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The user id (the default `session` callback leaves it out, as Auth.js does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The app's own fields (a role, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionUser {
    /// Reads an app field as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.extra.get(key).and_then(|v| T::deserialize(v).ok())
    }

    /// Sets an app field.
    pub fn insert<T: Serialize>(&mut self, key: impl Into<String>, value: T) -> Result<(), Error> {
        self.extra.insert(key.into(), serde_json::to_value(value)?);
        Ok(())
    }
}

/// What a client sees of a session: `{ user: { name, email, image }, expires }` by
/// default, shaped by the `session` callback.
///
/// ```
/// use authgate_core::{Session, SessionUser};
/// let mut session = Session::default();
/// session.user = Some(SessionUser { name: Some("Alice".into()), ..Default::default() });
/// let json = serde_json::to_value(&session).unwrap();
/// assert_eq!(json["user"]["name"], "Alice");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The signed-in user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<SessionUser>,
    /// When the session expires, ISO 8601 (`2026-12-24T10:00:00.000Z`).
    #[serde(default)]
    pub expires: String,
    /// Any other top-level field the `session` callback adds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Session {
    /// Reads a top-level app field as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.extra.get(key).and_then(|v| T::deserialize(v).ok())
    }

    /// Sets a top-level app field.
    pub fn insert<T: Serialize>(&mut self, key: impl Into<String>, value: T) -> Result<(), Error> {
        self.extra.insert(key.into(), serde_json::to_value(value)?);
        Ok(())
    }

    /// The user part as the app's own type (`SessionUser` itself is just cloned).
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Me { name: String }
    /// let mut session = authgate_core::Session::default();
    /// session.user = Some(authgate_core::SessionUser { name: Some("Ann".into()), ..Default::default() });
    /// assert_eq!(session.user_as::<Me>().unwrap().name, "Ann");
    /// ```
    pub fn user_as<T: DeserializeOwned + 'static>(&self) -> Result<T, Error> {
        convert(self.user.clone().unwrap_or_default())
    }

    /// A user field (`id`, `name`, `email`, `image`, or an app field) as `T`.
    pub fn user_field<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let user = self.user.as_ref()?;
        let value = match key {
            "id" => user.id.clone().map(Value::String),
            "name" => user.name.clone().map(Value::String),
            "email" => user.email.clone().map(Value::String),
            "image" => user.image.clone().map(Value::String),
            other => user.extra.get(other).cloned(),
        }?;
        T::deserialize(value).ok()
    }
}

/// `expires` as JavaScript's `Date.toISOString()` writes it (`2026-12-24T10:00:00.000Z`).
/// This runs on every session read: the date comes from the day count by integer
/// arithmetic (the civil-from-days conversion: 400-year eras of 146,097 days, years
/// starting in March so the leap day comes last), written digit by digit. Times outside
/// years 0000-9999 are written as the epoch.
pub(crate) fn iso(unix: i64) -> String {
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const RANGE: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;
    let unix = if RANGE.contains(&unix) { unix } else { 0 };
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Days since 0000-03-01, then the era, the day of the era and the year of the era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = *b"0000-00-00T00:00:00.000Z";
    for (at, value, width) in [
        (0, year, 4),
        (5, month, 2),
        (8, day, 2),
        (11, secs / 3_600, 2),
        (14, secs / 60 % 60, 2),
        (17, secs % 60, 2),
    ] {
        let mut value = value;
        for place in (at..at + width).rev() {
            // `value` is in 0..=9999 here: the digit fits a `u8`.
            out[place] = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// The default session: `{user: {name, email, image}, expires}` (no id, as Auth.js).
pub(crate) fn default_session(
    name: Option<String>,
    email: Option<String>,
    image: Option<String>,
    expires: i64,
) -> Session {
    Session {
        user: Some(SessionUser {
            name,
            email,
            image,
            ..SessionUser::default()
        }),
        expires: iso(expires),
        ..Session::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_matches_to_iso_string() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(1_795_373_425), "2026-11-22T18:50:25.000Z");
        assert_eq!(super::iso(4_948_973_425), "2126-10-29T18:50:25.000Z");
        assert_eq!(super::iso(253_402_300_799), "9999-12-31T23:59:59.000Z");
        assert_eq!(super::iso(253_402_300_800), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(-62_167_219_200), "0000-01-01T00:00:00.000Z");
        assert_eq!(super::iso(i64::MIN), "1970-01-01T00:00:00.000Z");
    }

    /// The arithmetic agrees with the `time` crate, second by second around leap days
    /// and century years, and on a spread of times over the whole range.
    #[test]
    fn iso_agrees_with_time() {
        let expect = |unix: i64| {
            let at = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        };
        let mut samples: Vec<i64> = (-62_167_219_200..=253_402_300_799)
            .step_by(7_919_993)
            .collect();
        for (y, m, d) in [
            (2000, 2, 29),
            (1900, 3, 1),
            (2024, 2, 29),
            (2100, 3, 1),
            (1969, 12, 31),
        ] {
            let date =
                time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
            let midnight = date.midnight().assume_utc().unix_timestamp();
            samples.extend(midnight - 86_400..midnight + 86_400);
        }
        for unix in samples {
            assert_eq!(super::iso(unix), expect(unix), "{unix}");
        }
    }
}
