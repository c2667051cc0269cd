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

pub(crate) use crate::date::iso;

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
