//! The conformance suite every [`Adapter`] must pass (feature `adapter-tests`): CRUD of
//! each model, uniqueness, expiry, single use of verification tokens, cascades and
//! concurrency. Each check uses fresh random emails and ids, so checks may run at once
//! against one shared store.
//!
//! In an adapter crate's tests, one `#[tokio::test]` per check:
//!
//! ```ignore
//! authgate_core::adapter_conformance!(async { std::sync::Arc::new(MyAdapter::connect().await) });
//! ```
//!
//! A store that may be missing (a server named by an environment variable) gives an
//! `Option` of the adapter and of anything that must live until the check ends (a
//! temporary file, a guard); `None` skips the check (say why before returning it):
//!
//! ```ignore
//! authgate_core::adapter_conformance!(optional async {
//!     let url = std::env::var("DATABASE_URL").ok()?;
//!     Some((std::sync::Arc::new(MyAdapter::connect(&url).await) as _, ()))
//! });
//! ```
//!
//! or all at once: `authgate_core::adapter::testing::run_all(adapter).await`.
//! A failed check panics with what the adapter did wrong.

use std::sync::Arc;

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, NewUser, UserUpdate, VerificationToken,
};
use crate::AccountType;

/// The names of every check, in the order [`run_all`] runs them.
pub const CHECKS: &[&str] = &[
    "users",
    "accounts",
    "sessions",
    "verification_tokens",
    "cascade",
    "concurrency",
];

/// Runs one check by name (see [`CHECKS`]).
pub async fn run(name: &str, adapter: Arc<dyn Adapter>) {
    match name {
        "users" => users(adapter).await,
        "accounts" => accounts(adapter).await,
        "sessions" => sessions(adapter).await,
        "verification_tokens" => verification_tokens(adapter).await,
        "cascade" => cascade(adapter).await,
        "concurrency" => concurrency(adapter).await,
        other => panic!("no conformance check named {other:?}"),
    }
}

/// Runs every check.
pub async fn run_all(adapter: Arc<dyn Adapter>) {
    for name in CHECKS {
        run(name, Arc::clone(&adapter)).await;
    }
}

/// One `#[tokio::test]` per conformance check, and a test that every check of
/// [`CHECKS`] is there. `$make` is an expression giving a future of an
/// `Arc<dyn Adapter>` (or of an `Arc` of an adapter type); with `optional`, a future of
/// `Option<(Arc<dyn Adapter>, keep)>`, where `None` skips the check and `keep` lives
/// until the check ends.
#[macro_export]
macro_rules! adapter_conformance {
    (optional $make:expr) => {
        $crate::adapter_conformance!(@tests optional $make;
            users, accounts, sessions, verification_tokens, cascade, concurrency);
    };
    ($make:expr) => {
        $crate::adapter_conformance!(optional async {
            let adapter: ::std::sync::Arc<dyn $crate::adapter::Adapter> = $make.await;
            Some((adapter, ()))
        });
    };
    (@tests optional $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let made: Option<(::std::sync::Arc<dyn $crate::adapter::Adapter>, _)> =
                    $make.await;
                let Some((adapter, _keep)) = made else {
                    return;
                };
                $crate::adapter::testing::run(stringify!($name), adapter).await;
            }
        )*

        #[test]
        fn every_conformance_check_is_run() {
            assert_eq!(
                [$(stringify!($name)),*].as_slice(),
                $crate::adapter::testing::CHECKS
            );
        }
    };
}

fn unique_email() -> String {
    format!("u-{}@conformance.example", uuid::Uuid::new_v4().simple())
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        id: None,
        name: Some("Conformance User".into()),
        email: Some(email.to_owned()),
        email_verified: None,
        image: Some("https://img.example/u.png".into()),
    }
}

fn account(user_id: &str, provider: &str, id: &str) -> AdapterAccount {
    let mut extra = Map::new();
    extra.insert("access_token".into(), Value::String("at-1".into()));
    extra.insert("expires_at".into(), Value::from(1_900_000_000_i64));
    extra.insert("token_type".into(), Value::String("bearer".into()));
    AdapterAccount {
        user_id: user_id.to_owned(),
        kind: AccountType::Oidc,
        provider: provider.to_owned(),
        provider_account_id: id.to_owned(),
        extra,
    }
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Second precision: what every store keeps.
fn in_secs(secs: i64) -> OffsetDateTime {
    let t = OffsetDateTime::now_utc() + Duration::seconds(secs);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Users: ids are random UUIDs unless given; get by id and email; update; unique email
/// and id.
pub async fn users(adapter: Arc<dyn Adapter>) {
    let email = unique_email();
    let a = adapter
        .create_user(new_user(&email))
        .await
        .expect("create_user");
    let b = adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user");
    for u in [&a, &b] {
        let id = uuid::Uuid::parse_str(&u.id).expect("user ids are UUIDs");
        assert_eq!(
            id.get_version_num(),
            4,
            "user ids are random (v4): {}",
            u.id
        );
    }
    assert_ne!(a.id, b.id);
    assert_eq!(a.email.as_deref(), Some(email.as_str()));
    assert_eq!(a.name.as_deref(), Some("Conformance User"));
    assert_eq!(a.email_verified, None);
    assert_eq!(
        adapter.get_user(&a.id).await.expect("get_user"),
        Some(a.clone())
    );
    assert_eq!(
        adapter.get_user_by_email(&email).await.expect("by email"),
        Some(a.clone())
    );
    assert_eq!(adapter.get_user(&token()).await.expect("get_user"), None);
    assert_eq!(
        adapter
            .get_user_by_email(&unique_email())
            .await
            .expect("by email"),
        None
    );
    let verified = in_secs(0);
    let updated = adapter
        .update_user(
            &a.id,
            UserUpdate {
                name: Some(Some("Renamed".into())),
                email_verified: Some(Some(verified)),
                ..UserUpdate::default()
            },
        )
        .await
        .expect("update_user");
    assert_eq!(updated.name.as_deref(), Some("Renamed"));
    assert_eq!(updated.email_verified, Some(verified));
    assert_eq!(updated.image, a.image, "fields not in the update are kept");
    assert_eq!(adapter.get_user(&a.id).await.expect("get"), Some(updated));
    // Fields are cleared with `Some(None)`; a cleared email frees the address.
    let cleared = adapter
        .update_user(
            &a.id,
            UserUpdate {
                name: Some(None),
                email: Some(None),
                email_verified: Some(None),
                image: Some(None),
            },
        )
        .await
        .expect("clearing fields");
    assert_eq!(
        (
            cleared.name,
            cleared.email.clone(),
            cleared.email_verified,
            cleared.image
        ),
        (None, None, None, None)
    );
    assert_eq!(
        adapter.get_user_by_email(&email).await.expect("by email"),
        None
    );
    let reused = adapter
        .create_user(new_user(&email))
        .await
        .expect("the cleared address is free");
    adapter.delete_user(&reused.id).await.expect("delete");
    adapter
        .update_user(
            &a.id,
            UserUpdate {
                email: Some(Some(email.clone())),
                ..UserUpdate::default()
            },
        )
        .await
        .expect("the address back");
    let missing = adapter
        .update_user(&token(), UserUpdate::default())
        .await
        .expect_err("update of an unknown user");
    assert!(matches!(missing, AdapterError::NotFound(_)), "{missing:?}");
    let dup = adapter
        .create_user(new_user(&email))
        .await
        .expect_err("a second user with one email");
    assert!(matches!(dup, AdapterError::Conflict(_)), "{dup:?}");
    let chosen = format!("app-id-{}", token());
    let given = adapter
        .create_user(NewUser {
            id: Some(chosen.clone()),
            ..new_user(&unique_email())
        })
        .await
        .expect("create_user with an id");
    assert_eq!(given.id, chosen, "a given id is kept");
    let again = adapter
        .create_user(NewUser {
            id: Some(chosen.clone()),
            ..new_user(&unique_email())
        })
        .await
        .expect_err("a second user with one id");
    assert!(matches!(again, AdapterError::Conflict(_)), "{again:?}");
    let taken = adapter
        .update_user(
            &b.id,
            UserUpdate {
                email: Some(Some(email.clone())),
                ..UserUpdate::default()
            },
        )
        .await
        .expect_err("taking another user's email");
    assert!(matches!(taken, AdapterError::Conflict(_)), "{taken:?}");
}

/// Accounts: link, find the user by account, unique links, update tokens, unlink, and
/// `create_user_with_account` all or nothing.
pub async fn accounts(adapter: Arc<dyn Adapter>) {
    let user = adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user");
    let pid = token();
    let acc = account(&user.id, "conformance-idp", &pid);
    adapter
        .link_account(acc.clone())
        .await
        .expect("link_account");
    assert_eq!(
        adapter
            .get_user_by_account("conformance-idp", &pid)
            .await
            .expect("by account"),
        Some(user.clone())
    );
    assert_eq!(
        adapter
            .get_user_by_account("other-idp", &pid)
            .await
            .expect("by account"),
        None,
        "the provider is part of the key"
    );
    let other = adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user");
    let dup = adapter
        .link_account(account(&other.id, "conformance-idp", &pid))
        .await
        .expect_err("one provider account linked twice");
    assert!(matches!(dup, AdapterError::Conflict(_)), "{dup:?}");
    assert_eq!(
        adapter
            .list_accounts(&user.id)
            .await
            .expect("list_accounts"),
        vec![acc.clone()]
    );
    let mut refreshed = acc.clone();
    refreshed
        .extra
        .insert("access_token".into(), Value::String("at-2".into()));
    refreshed
        .extra
        .insert("refresh_token".into(), Value::String("rt-2".into()));
    adapter
        .update_account(refreshed.clone())
        .await
        .expect("update_account");
    assert_eq!(
        adapter.list_accounts(&user.id).await.expect("list"),
        vec![refreshed]
    );
    let unknown = adapter
        .update_account(account(&user.id, "conformance-idp", &token()))
        .await
        .expect_err("update of an unknown account");
    assert!(matches!(unknown, AdapterError::NotFound(_)), "{unknown:?}");
    adapter
        .unlink_account("conformance-idp", &pid)
        .await
        .expect("unlink_account");
    assert_eq!(
        adapter
            .get_user_by_account("conformance-idp", &pid)
            .await
            .expect("by account"),
        None
    );
    assert!(adapter
        .list_accounts(&user.id)
        .await
        .expect("list")
        .is_empty());

    // Both or neither.
    let email = unique_email();
    let pid2 = token();
    let created = adapter
        .create_user_with_account(
            new_user(&email),
            account("ignored", "conformance-idp", &pid2),
        )
        .await
        .expect("create_user_with_account");
    assert_eq!(
        adapter
            .get_user_by_account("conformance-idp", &pid2)
            .await
            .expect("by account"),
        Some(created.clone())
    );
    let email3 = unique_email();
    let clash = adapter
        .create_user_with_account(new_user(&email3), account("x", "conformance-idp", &pid2))
        .await
        .expect_err("an account that is linked already");
    assert!(matches!(clash, AdapterError::Conflict(_)), "{clash:?}");
    assert_eq!(
        adapter.get_user_by_email(&email3).await.expect("by email"),
        None,
        "no half-created user"
    );
    let clash = adapter
        .create_user_with_account(new_user(&email), account("x", "conformance-idp", &token()))
        .await
        .expect_err("an email that has a user");
    assert!(matches!(clash, AdapterError::Conflict(_)), "{clash:?}");
}

/// Sessions: create, read with the user, expiry, sliding update, delete, list, delete
/// all but one.
pub async fn sessions(adapter: Arc<dyn Adapter>) {
    let user = adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user");
    let s1 = AdapterSession {
        session_token: token(),
        user_id: user.id.clone(),
        expires: in_secs(3600),
    };
    assert_eq!(
        adapter.create_session(s1.clone()).await.expect("create"),
        s1
    );
    let (session, owner) = adapter
        .get_session_and_user(&s1.session_token)
        .await
        .expect("get")
        .expect("the session exists");
    assert_eq!((session, owner.id.as_str()), (s1.clone(), user.id.as_str()));
    assert_eq!(
        adapter.get_session_and_user(&token()).await.expect("get"),
        None
    );
    let later = in_secs(7200);
    let moved = adapter
        .update_session(&s1.session_token, later)
        .await
        .expect("update")
        .expect("updated");
    assert_eq!(moved.expires, later);
    assert_eq!(
        adapter
            .update_session(&token(), later)
            .await
            .expect("update"),
        None
    );
    let expired = AdapterSession {
        session_token: token(),
        user_id: user.id.clone(),
        expires: in_secs(-10),
    };
    adapter
        .create_session(expired.clone())
        .await
        .expect("create");
    assert_eq!(
        adapter
            .get_session_and_user(&expired.session_token)
            .await
            .expect("get"),
        None,
        "an expired session is not a session"
    );
    assert_eq!(
        adapter
            .update_session(&expired.session_token, in_secs(3600))
            .await
            .expect("update"),
        None,
        "an expired session is not brought back"
    );
    assert_eq!(
        adapter
            .get_session_and_user(&expired.session_token)
            .await
            .expect("get"),
        None
    );
    let s2 = AdapterSession {
        session_token: token(),
        user_id: user.id.clone(),
        expires: in_secs(600),
    };
    adapter.create_session(s2.clone()).await.expect("create");
    // Several at once, in order, repeats allowed, over more than one store call's worth.
    let mut asked = vec![
        s2.session_token.clone(),
        token(),
        expired.session_token.clone(),
        s1.session_token.clone(),
        s2.session_token.clone(),
    ];
    asked.extend((0..70).map(|_| token()));
    asked.push(s1.session_token.clone());
    let found = adapter
        .get_sessions_and_users(&asked)
        .await
        .expect("get_sessions_and_users");
    assert_eq!(found.len(), asked.len(), "one answer per token");
    let tokens: Vec<Option<(String, String)>> = found
        .into_iter()
        .map(|f| {
            f.expect("each read of the batch")
                .map(|(s, u)| (s.session_token, u.id))
        })
        .collect();
    let of = |s: &AdapterSession| Some((s.session_token.clone(), user.id.clone()));
    let mut expected = vec![of(&s2), None, None, of(&moved), of(&s2)];
    expected.extend((0..70).map(|_| None));
    expected.push(of(&moved));
    assert_eq!(tokens, expected);
    let listed = adapter.list_sessions(&user.id).await.expect("list");
    assert_eq!(
        listed,
        vec![s2.clone(), moved.clone()],
        "unexpired, soonest first"
    );
    let deleted = adapter
        .delete_session(&s2.session_token)
        .await
        .expect("delete");
    assert_eq!(
        deleted.map(|s| s.session_token),
        Some(s2.session_token.clone())
    );
    assert_eq!(
        adapter
            .delete_session(&s2.session_token)
            .await
            .expect("delete"),
        None
    );
    let s3 = AdapterSession {
        session_token: token(),
        user_id: user.id.clone(),
        expires: in_secs(900),
    };
    adapter.create_session(s3.clone()).await.expect("create");
    let n = adapter
        .delete_sessions(&user.id, Some(&s1.session_token))
        .await
        .expect("delete_sessions");
    // s3 only: the expired session is not counted (gone already, or deleted uncounted).
    assert_eq!(n, 1, "only live sessions are counted");
    assert_eq!(
        adapter.list_sessions(&user.id).await.expect("list"),
        vec![moved],
        "all but the kept one are gone"
    );
    assert_eq!(
        adapter
            .delete_sessions(&user.id, None)
            .await
            .expect("delete all"),
        1
    );
    assert!(adapter
        .list_sessions(&user.id)
        .await
        .expect("list")
        .is_empty());
}

/// Verification tokens: found without being used, used once, expired ones never.
pub async fn verification_tokens(adapter: Arc<dyn Adapter>) {
    let identifier = unique_email();
    let t = VerificationToken {
        identifier: identifier.clone(),
        token: token(),
        expires: in_secs(600),
    };
    adapter
        .create_verification_token(t.clone())
        .await
        .expect("create");
    for _ in 0..2 {
        assert_eq!(
            adapter
                .find_verification_token(&identifier, &t.token)
                .await
                .expect("find"),
            Some(t.clone()),
            "finding does not use it up"
        );
    }
    assert_eq!(
        adapter
            .use_verification_token(&unique_email(), &t.token)
            .await
            .expect("use"),
        None,
        "bound to its identifier"
    );
    assert_eq!(
        adapter
            .use_verification_token(&identifier, &t.token)
            .await
            .expect("use"),
        Some(t.clone())
    );
    assert_eq!(
        adapter
            .use_verification_token(&identifier, &t.token)
            .await
            .expect("use"),
        None,
        "single use"
    );
    assert_eq!(
        adapter
            .find_verification_token(&identifier, &t.token)
            .await
            .expect("find"),
        None
    );
    let old = VerificationToken {
        identifier: identifier.clone(),
        token: token(),
        expires: in_secs(-5),
    };
    adapter
        .create_verification_token(old.clone())
        .await
        .expect("create");
    assert_eq!(
        adapter
            .find_verification_token(&identifier, &old.token)
            .await
            .expect("find"),
        None
    );
    assert_eq!(
        adapter
            .use_verification_token(&identifier, &old.token)
            .await
            .expect("use"),
        None,
        "expired"
    );
}

/// Deleting a user deletes its accounts and sessions.
pub async fn cascade(adapter: Arc<dyn Adapter>) {
    let user = adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user");
    let pid = token();
    adapter
        .link_account(account(&user.id, "conformance-idp", &pid))
        .await
        .expect("link");
    let s = AdapterSession {
        session_token: token(),
        user_id: user.id.clone(),
        expires: in_secs(600),
    };
    adapter.create_session(s.clone()).await.expect("create");
    adapter.delete_user(&user.id).await.expect("delete_user");
    assert_eq!(adapter.get_user(&user.id).await.expect("get"), None);
    assert_eq!(
        adapter
            .get_user_by_account("conformance-idp", &pid)
            .await
            .expect("by account"),
        None
    );
    assert_eq!(
        adapter
            .get_session_and_user(&s.session_token)
            .await
            .expect("get"),
        None
    );
    assert!(adapter
        .list_sessions(&user.id)
        .await
        .expect("list")
        .is_empty());
    adapter
        .delete_user(&user.id)
        .await
        .expect("deleting nothing is fine");
}

/// Concurrent writes: one user per email, one link per account, one use per token.
pub async fn concurrency(adapter: Arc<dyn Adapter>) {
    const N: usize = 8;
    let email = unique_email();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (adapter, email) = (Arc::clone(&adapter), email.clone());
            tokio::spawn(async move { adapter.create_user(new_user(&email)).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(AdapterError::Conflict(_)) => {}
            Err(other) => panic!("create_user under concurrency: {other:?}"),
        }
    }
    assert_eq!(created, 1, "exactly one user per email");

    let pid = token();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (adapter, pid) = (Arc::clone(&adapter), pid.clone());
            tokio::spawn(async move {
                adapter
                    .create_user_with_account(
                        new_user(&unique_email()),
                        account("x", "conformance-idp", &pid),
                    )
                    .await
            })
        })
        .collect();
    let mut linked = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(user) => linked.push(user),
            Err(AdapterError::Conflict(_)) => {}
            Err(other) => panic!("create_user_with_account under concurrency: {other:?}"),
        }
    }
    assert_eq!(linked.len(), 1, "exactly one first sign-in per account");

    let identifier = unique_email();
    let t = VerificationToken {
        identifier: identifier.clone(),
        token: token(),
        expires: in_secs(600),
    };
    adapter
        .create_verification_token(t.clone())
        .await
        .expect("create");
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (adapter, identifier, value) =
                (Arc::clone(&adapter), identifier.clone(), t.token.clone());
            tokio::spawn(async move { adapter.use_verification_token(&identifier, &value).await })
        })
        .collect();
    let mut used = 0;
    for task in tasks {
        if task.await.expect("task").expect("use").is_some() {
            used += 1;
        }
    }
    assert_eq!(used, 1, "a verification token is used once");
}
