//! Events: fire-and-forget notifications. An event's error is logged and never changes
//! the response.

use async_trait::async_trait;

use serde_json::Value;

use crate::{adapter::AdapterSession, Account, Error, Session, Token, User};

/// A user signed in.
#[derive(Clone, Debug)]
pub struct SignInEvent {
    /// The user.
    pub user: User,
    /// The account used.
    pub account: Option<Account>,
    /// The raw provider profile (OAuth/OIDC).
    pub profile: Option<Value>,
    /// Whether an adapter created the user.
    pub is_new_user: Option<bool>,
}

/// A user signed out.
#[derive(Clone, Debug)]
pub struct SignOutEvent {
    /// The decoded JWT, when it could be decoded (JWT strategy).
    pub token: Option<Token>,
    /// The deleted session (database strategy).
    pub session: Option<AdapterSession>,
}

/// An adapter created a user (first sign-in).
#[derive(Clone, Debug)]
pub struct CreateUserEvent {
    /// The new user.
    pub user: User,
}

/// An account was linked to a user.
#[derive(Clone, Debug)]
pub struct LinkAccountEvent {
    /// The user.
    pub user: User,
    /// The linked account.
    pub account: Account,
    /// The raw provider profile.
    pub profile: Option<Value>,
}

/// A stored user was updated (an email sign-in verified the address).
#[derive(Clone, Debug)]
pub struct UpdateUserEvent {
    /// The user, as stored now.
    pub user: User,
}

/// A session was read or updated through `/session`.
#[derive(Clone, Debug)]
pub struct SessionEvent {
    /// The session returned to the client.
    pub session: Session,
    /// The token behind it.
    pub token: Token,
}

/// Event handlers; every method defaults to doing nothing.
///
/// ```
/// use authgate_core::{async_trait, Error, Events, SignInEvent};
///
/// struct Audit;
///
/// #[async_trait]
/// impl Events for Audit {
///     async fn sign_in(&self, event: SignInEvent) -> Result<(), Error> {
///         tracing::info!(user = %event.user.id, "signed in");
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Events: Send + Sync + 'static {
    /// After a successful sign-in, before the final redirect.
    async fn sign_in(&self, event: SignInEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// On `POST /signout` with a session cookie.
    async fn sign_out(&self, event: SignOutEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// After every successful `/session` read or update.
    async fn session(&self, event: SessionEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// After an adapter created a user.
    async fn create_user(&self, event: CreateUserEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// After an account was linked to a user.
    async fn link_account(&self, event: LinkAccountEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// After a stored user was updated.
    async fn update_user(&self, event: UpdateUserEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }
}

/// Events that do nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvents;

impl Events for NoEvents {}
