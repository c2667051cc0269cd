//! The credentials provider: sign-in with fields the app's own async `authorize` checks.

use std::{collections::HashMap, future::Future, sync::Arc};

use http::{HeaderMap, Method, Uri};

use crate::{callbacks::BoxFuture, Error, User};

/// The request that carried a credentials sign-in, for `authorize`. `Debug` shows the
/// header names, not their values (cookies). Non-exhaustive (fields may be added); an
/// app's tests build one with [`AuthorizeRequest::new`].
///
/// ```
/// use authgate_core::AuthorizeRequest;
/// let req = AuthorizeRequest::new("/auth/callback/credentials".parse().unwrap(), Default::default())
///     .with_client_ip(Some([203, 0, 113, 7].into()));
/// assert_eq!(req.method, http::Method::POST);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthorizeRequest {
    /// Always `POST`.
    pub method: Method,
    /// The request URI.
    pub uri: Uri,
    /// The request headers (a user agent, ...).
    pub headers: HeaderMap,
    /// The client's IP: the connection's peer address, or the forwarded client when the
    /// peer is a proxy trusted in [`crate::rate_limit::RateLimits::trusted_proxies`];
    /// `None` when the integration knows no peer address.
    pub client_ip: Option<std::net::IpAddr>,
}

impl AuthorizeRequest {
    /// A `POST` to `uri` with these headers and no known client IP.
    pub fn new(uri: Uri, headers: HeaderMap) -> Self {
        Self {
            method: Method::POST,
            uri,
            headers,
            client_ip: None,
        }
    }

    /// The same request from this client IP.
    pub fn with_client_ip(self, client_ip: Option<std::net::IpAddr>) -> Self {
        Self { client_ip, ..self }
    }
}

impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("client_ip", &self.client_ip)
            .field(
                "headers",
                &crate::redact::Keys(self.headers.keys().collect::<Vec<_>>().into_iter()),
            )
            .finish()
    }
}

type AuthorizeFn = Arc<
    dyn Fn(HashMap<String, String>, AuthorizeRequest) -> BoxFuture<Result<Option<User>, Error>>
        + Send
        + Sync,
>;

/// One input of the built-in sign-in form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialField {
    /// The form field name, passed to `authorize`.
    pub name: String,
    /// The visible label.
    pub label: String,
    /// The HTML input type (`text`, `password`, `email`, ...).
    pub input_type: String,
}

/// Sign-in with a username and password (or any fields) checked by the app's own
/// async `authorize`.
///
/// `authorize` returns `Ok(Some(user))` to sign in, `Ok(None)` to refuse
/// (`CredentialsSignin`), or `Err(Error::code("..."))` to refuse with an app code.
///
/// ```
/// use authgate_core::{Credentials, User};
///
/// let provider = Credentials::new(|creds, _req| async move {
///     let ok = creds.get("username").map(String::as_str) == Some("alice")
///         && creds.get("password").map(String::as_str) == Some("wonderland");
///     Ok(ok.then(|| User::new("1").name("Alice")))
/// });
/// assert_eq!(provider.provider_id(), "credentials");
/// ```
#[derive(Clone)]
pub struct Credentials {
    id: String,
    name: String,
    fields: Vec<CredentialField>,
    authorize: AuthorizeFn,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// A provider with id `credentials` and the fields `username` and `password`.
    pub fn new<F, Fut>(authorize: F) -> Self
    where
        F: Fn(HashMap<String, String>, AuthorizeRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<User>, Error>> + Send + 'static,
    {
        Self {
            id: "credentials".into(),
            name: "Credentials".into(),
            fields: vec![
                CredentialField {
                    name: "username".into(),
                    label: "Username".into(),
                    input_type: "text".into(),
                },
                CredentialField {
                    name: "password".into(),
                    label: "Password".into(),
                    input_type: "password".into(),
                },
            ],
            authorize: Arc::new(move |creds, req| Box::pin(authorize(creds, req))),
        }
    }

    /// Sets the provider id (the `/callback/<id>` segment).
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the name shown on the sign-in page.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Replaces the form fields (call once per field, in order).
    #[must_use]
    pub fn fields(mut self, fields: impl IntoIterator<Item = CredentialField>) -> Self {
        self.fields = fields.into_iter().collect();
        self
    }

    /// The provider id.
    pub fn provider_id(&self) -> &str {
        &self.id
    }

    /// The name shown on the sign-in page.
    pub fn display_name(&self) -> &str {
        &self.name
    }

    /// The form fields.
    pub fn form_fields(&self) -> &[CredentialField] {
        &self.fields
    }

    /// Runs `authorize`.
    pub(crate) async fn authorize(
        &self,
        credentials: HashMap<String, String>,
        request: AuthorizeRequest,
    ) -> Result<Option<User>, Error> {
        (self.authorize)(credentials, request).await
    }
}
