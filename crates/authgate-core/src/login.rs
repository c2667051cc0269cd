//! Login or registration through the adapter (Auth.js `handleLoginOrRegister`,
//! reference §5.4): find the user linked to the account, link a new account to the
//! signed-in user, refuse an account whose email belongs to someone else (unless the
//! provider allows dangerous email linking), or create the user and link the account in
//! one transaction. Without an adapter the provider's user is the user.

use serde_json::Value;

use crate::{
    adapter::{Adapter, AdapterAccount, AdapterError, AdapterUser, NewUser, UserUpdate},
    context::RouteCtx,
    session,
    state::State,
    Account, AccountType, CreateUserEvent, Error, ErrorCode, LinkAccountEvent, SessionStrategy,
    UpdateUserEvent, User,
};

/// The user after login or registration.
pub(crate) struct Login {
    pub(crate) user: User,
    /// `Some(true)` when the adapter just created the user; `Some(false)` for a known
    /// user (credentials always); `None` without an adapter, as Auth.js.
    pub(crate) is_new_user: Option<bool>,
}

fn adapter_error(what: &str, err: AdapterError) -> Error {
    Error::auth(ErrorCode::AdapterError, format!("{what}: {err}"))
}

/// The stored user, keeping the provider's own extra fields (an app's `role`, ...).
pub(crate) fn merged(stored: &AdapterUser, provider_user: &User) -> User {
    let mut user = stored.to_user();
    user.extra = provider_user.extra.clone();
    user
}

/// The id of the user signed in on this request, if any (to link a new account to).
async fn current_user_id(ctx: &RouteCtx<'_>) -> Result<Option<String>, Error> {
    let state = ctx.state;
    let secure = ctx.origin.secure;
    let names = state.config.cookie_names(secure);
    match state.config.strategy {
        SessionStrategy::Database => {
            let Some(token) = ctx.cookies.get(&names.session_token) else {
                return Ok(None);
            };
            let Some(adapter) = state.config.adapter.as_deref() else {
                return Ok(None);
            };
            let found = adapter
                .get_session_and_user(&session::database::hash_token(&token))
                .await
                .map_err(|e| adapter_error("get_session_and_user", e))?;
            Ok(found.map(|(_, user)| user.id))
        }
        SessionStrategy::Jwt => {
            let Some(value) = ctx
                .cookies
                .session_token(&names.session_token, ctx.state.config.max_session_chunks)
            else {
                return Ok(None);
            };
            let codec = state.config.token_codec(secure);
            Ok(state
                .tokens
                .decode(codec, secure, &value, crate::time_now())
                .ok()
                .and_then(|t| t.sub.clone()))
        }
    }
}

/// The stored user an OAuth account is linked to (with an adapter; `None` otherwise and
/// for credentials): the user `sign_in` sees, and the first §5.4 lookup.
pub(crate) async fn account_owner(
    state: &State,
    account: &Account,
) -> Result<Option<AdapterUser>, Error> {
    let Some(adapter) = state.config.adapter.as_deref() else {
        return Ok(None);
    };
    // Credentials and email sign-ins have no linked account rows (as Auth.js): the
    // email route looks its user up by address.
    if matches!(account.kind, AccountType::Credentials | AccountType::Email) {
        return Ok(None);
    }
    adapter
        .get_user_by_account(&account.provider, &account.provider_account_id)
        .await
        .map_err(|e| adapter_error("get_user_by_account", e))
}

/// Runs the §5.4 rules; `owner` is [`account_owner`]'s answer.
pub(crate) async fn login_or_register(
    ctx: &RouteCtx<'_>,
    user: User,
    owner: Option<AdapterUser>,
    account: &Account,
    profile: Option<&Value>,
    allow_email_linking: bool,
) -> Result<Login, Error> {
    let state = ctx.state;
    let Some(adapter) = state.config.adapter.as_deref() else {
        let is_new_user = (account.kind == AccountType::Credentials).then_some(false);
        return Ok(Login { user, is_new_user });
    };
    match account.kind {
        AccountType::Credentials => credentials(ctx, adapter, user).await,
        AccountType::Email => email(ctx, adapter, user).await,
        _ => {
            oauth(
                ctx,
                adapter,
                user,
                owner,
                account,
                profile,
                allow_email_linking,
            )
            .await
        }
    }
}

/// Credentials: with database sessions (opted in), the user is stored with the id
/// `authorize` gave; with JWT sessions the adapter is not involved, as Auth.js.
async fn credentials(
    ctx: &RouteCtx<'_>,
    adapter: &dyn Adapter,
    user: User,
) -> Result<Login, Error> {
    if ctx.state.config.strategy != SessionStrategy::Database {
        return Ok(Login {
            user,
            is_new_user: Some(false),
        });
    }
    if let Some(stored) = adapter
        .get_user(&user.id)
        .await
        .map_err(|e| adapter_error("get_user", e))?
    {
        return Ok(Login {
            user: merged(&stored, &user),
            is_new_user: Some(false),
        });
    }
    let new = NewUser {
        id: Some(user.id.clone()),
        ..NewUser::from_user(&user)
    };
    match adapter.create_user(new).await {
        Ok(stored) => {
            let user = merged(&stored, &user);
            fire_create_user(ctx, &user).await;
            Ok(Login {
                user,
                is_new_user: Some(true),
            })
        }
        // A concurrent first sign-in created it.
        Err(AdapterError::Conflict(_)) => match adapter.get_user(&user.id).await {
            Ok(Some(stored)) => Ok(Login {
                user: merged(&stored, &user),
                is_new_user: Some(false),
            }),
            Ok(None) => Err(Error::auth(
                ErrorCode::AdapterError,
                "the credentials user's email belongs to another user",
            )),
            Err(e) => Err(adapter_error("get_user", e)),
        },
        Err(e) => Err(adapter_error("create_user", e)),
    }
}

/// Email (§5.4): the user with this address signs in, its address now verified
/// (`update_user` event), or a new user is created with it verified (`create_user`).
/// With database sessions, a session of another user on this browser is deleted first.
async fn email(ctx: &RouteCtx<'_>, adapter: &dyn Adapter, user: User) -> Result<Login, Error> {
    let Some(address) = user.email.clone() else {
        return Err(Error::auth(
            ErrorCode::Verification,
            "an email sign-in without an address",
        ));
    };
    let existing = adapter
        .get_user_by_email(&address)
        .await
        .map_err(|e| adapter_error("get_user_by_email", e))?;
    let now = ctx.state.config.clock.now();
    let stored = match existing {
        Some(stored) => stored,
        None => {
            let new = NewUser {
                email_verified: Some(now),
                ..NewUser::from_user(&user)
            };
            match adapter.create_user(new).await {
                Ok(created) => {
                    end_other_session(ctx, adapter, &created.id).await?;
                    let user = merged(&created, &user);
                    fire_create_user(ctx, &user).await;
                    return Ok(Login {
                        user,
                        is_new_user: Some(true),
                    });
                }
                // A concurrent sign-in with the same address created it: that user.
                Err(AdapterError::Conflict(_)) => adapter
                    .get_user_by_email(&address)
                    .await
                    .map_err(|e| adapter_error("get_user_by_email", e))?
                    .ok_or_else(|| {
                        Error::auth(ErrorCode::AdapterError, "the new email user vanished")
                    })?,
                Err(e) => return Err(adapter_error("create_user", e)),
            }
        }
    };
    end_other_session(ctx, adapter, &stored.id).await?;
    let update = UserUpdate {
        email_verified: Some(Some(now)),
        ..UserUpdate::default()
    };
    let updated = adapter
        .update_user(&stored.id, update)
        .await
        .map_err(|e| adapter_error("update_user", e))?;
    let user = merged(&updated, &user);
    if let Some(events) = &ctx.state.config.events {
        let event = UpdateUserEvent { user: user.clone() };
        if let Err(err) = events.update_user(event).await {
            tracing::error!(error = %err, "{}: update_user event failed", ErrorCode::EventError);
        }
    }
    Ok(Login {
        user,
        is_new_user: Some(false),
    })
}

/// With database sessions: deletes this browser's session when it belongs to another
/// user than `user_id` (its cookie is replaced by the new session's anyway).
async fn end_other_session(
    ctx: &RouteCtx<'_>,
    adapter: &dyn Adapter,
    user_id: &str,
) -> Result<(), Error> {
    if ctx.state.config.strategy != SessionStrategy::Database {
        return Ok(());
    }
    let names = ctx.state.config.cookie_names(ctx.origin.secure);
    let Some(token) = ctx.cookies.get(&names.session_token) else {
        return Ok(());
    };
    let hashed = session::database::hash_token(&token);
    let current = adapter
        .get_session_and_user(&hashed)
        .await
        .map_err(|e| adapter_error("get_session_and_user", e))?;
    if let Some((_, owner)) = current.filter(|(_, owner)| owner.id != user_id) {
        ctx.state.sessions.remove(&hashed);
        let deleted = adapter.delete_session(&hashed).await;
        // Again after the delete: a read that overlapped it may have cached it.
        ctx.state.sessions.remove(&hashed);
        deleted.map_err(|e| adapter_error("delete_session", e))?;
        tracing::info!(
            previous_user = %owner.id,
            "email sign-in as another user: the previous session was deleted"
        );
    }
    Ok(())
}

async fn oauth(
    ctx: &RouteCtx<'_>,
    adapter: &dyn Adapter,
    user: User,
    linked: Option<AdapterUser>,
    account: &Account,
    profile: Option<&Value>,
    allow_email_linking: bool,
) -> Result<Login, Error> {
    let current = current_user_id(ctx).await?;
    if let Some(owner) = linked {
        if current.as_ref().is_some_and(|c| *c != owner.id) {
            return Err(Error::auth(
                ErrorCode::OAuthAccountNotLinked,
                "the account is linked to another user than the signed-in one",
            ));
        }
        return Ok(Login {
            user: merged(&owner, &user),
            is_new_user: Some(false),
        });
    }
    if let Some(current) = current {
        // Signed in: link the new account to the current user.
        let stored = adapter
            .get_user(&current)
            .await
            .map_err(|e| adapter_error("get_user", e))?
            .ok_or_else(|| Error::auth(ErrorCode::AdapterError, "the signed-in user is gone"))?;
        return link(ctx, adapter, &stored, &user, account, profile).await;
    }
    if let Some(email) = user.email.as_deref() {
        let owner = adapter
            .get_user_by_email(email)
            .await
            .map_err(|e| adapter_error("get_user_by_email", e))?;
        if let Some(owner) = owner {
            // A concurrent first sign-in of this same account may have created the user
            // between the lookups: then it is this user, not another one.
            let linked_now = adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await
                .map_err(|e| adapter_error("get_user_by_account", e))?;
            if let Some(linked_now) = linked_now {
                return Ok(Login {
                    user: merged(&linked_now, &user),
                    is_new_user: Some(false),
                });
            }
            if !allow_email_linking {
                return Err(Error::auth(
                    ErrorCode::OAuthAccountNotLinked,
                    "another account already exists with the same email address",
                ));
            }
            return link(ctx, adapter, &owner, &user, account, profile).await;
        }
    }
    let stored_account = AdapterAccount::new("", account);
    match adapter
        .create_user_with_account(NewUser::from_user(&user), stored_account)
        .await
    {
        Ok(stored) => {
            let new_user = merged(&stored, &user);
            fire_create_user(ctx, &new_user).await;
            fire_link_account(ctx, &new_user, account, profile).await;
            Ok(Login {
                user: new_user,
                is_new_user: Some(true),
            })
        }
        // Concurrent first sign-ins of one user: the other one created it.
        Err(AdapterError::Conflict(_)) => {
            let owner = adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await
                .map_err(|e| adapter_error("get_user_by_account", e))?;
            match owner {
                Some(owner) => Ok(Login {
                    user: merged(&owner, &user),
                    is_new_user: Some(false),
                }),
                None => Err(Error::auth(
                    ErrorCode::OAuthAccountNotLinked,
                    "another account already exists with the same email address",
                )),
            }
        }
        Err(e) => Err(adapter_error("create_user_with_account", e)),
    }
}

async fn link(
    ctx: &RouteCtx<'_>,
    adapter: &dyn Adapter,
    owner: &AdapterUser,
    user: &User,
    account: &Account,
    profile: Option<&Value>,
) -> Result<Login, Error> {
    adapter
        .link_account(AdapterAccount::new(owner.id.clone(), account))
        .await
        .map_err(|e| match e {
            AdapterError::Conflict(_) => Error::auth(
                ErrorCode::OAuthAccountNotLinked,
                "the account was linked to another user meanwhile",
            ),
            other => adapter_error("link_account", other),
        })?;
    let user = merged(owner, user);
    fire_link_account(ctx, &user, account, profile).await;
    Ok(Login {
        user,
        is_new_user: Some(false),
    })
}

async fn fire_create_user(ctx: &RouteCtx<'_>, user: &User) {
    if let Some(events) = &ctx.state.config.events {
        let event = CreateUserEvent { user: user.clone() };
        if let Err(err) = events.create_user(event).await {
            tracing::error!(error = %err, "{}: create_user event failed", ErrorCode::EventError);
        }
    }
}

async fn fire_link_account(
    ctx: &RouteCtx<'_>,
    user: &User,
    account: &Account,
    profile: Option<&Value>,
) {
    if let Some(events) = &ctx.state.config.events {
        let event = LinkAccountEvent {
            user: user.clone(),
            account: account.clone(),
            profile: profile.cloned(),
        };
        if let Err(err) = events.link_account(event).await {
            tracing::error!(error = %err, "{}: link_account event failed", ErrorCode::EventError);
        }
    }
}
