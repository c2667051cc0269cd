//! What the SQLite and the PostgreSQL tests share.

use authgate_core::{
    adapter::{Adapter, AdapterAccount, AdapterUser, NewUser},
    AccountType,
};
use serde_json::{json, Map};

/// An email no other test uses.
pub(crate) fn unique_email() -> String {
    format!("u-{}@sqlx.example", uuid::Uuid::new_v4().simple())
}

/// A user with only an email.
pub(crate) fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Some(email.to_owned()),
        ..NewUser::default()
    }
}

/// Creates a user with a fresh email.
pub(crate) async fn create_user(adapter: &dyn Adapter) -> AdapterUser {
    adapter
        .create_user(new_user(&unique_email()))
        .await
        .expect("create_user")
}

/// Fields that do not fit their column (a `null`, a number for a string, a float or a
/// string for `expires_at`) stay in `extra`: every `extra` reads back exactly, when
/// linked and when updated (every field replaced, none left over). Returns the account
/// as it is in the end (`access_token` "at-2", `token_type` "bearer", `expires_at`
/// 1900000000, nothing else).
pub(crate) async fn odd_extras_round_trip(adapter: &dyn Adapter) -> AdapterAccount {
    let user = create_user(adapter).await;
    let versions = [
        json!({
            "access_token": "at",
            "refresh_token": null,
            "token_type": 7,
            "scope": "openid email",
            "id_token": "eyJ.x.y",
            "session_state": "s",
            "expires_at": 1.5,
            "refresh_token_expires_in": 3600,
            "nested": {"a": [1, "two", false, null]},
            "big": u64::MAX,
            "text": "ünïcödé \" '",
        }),
        json!({"access_token": "at-2", "expires_at": "soon", "token_type": "bearer"}),
        json!({"access_token": "at-2", "expires_at": 1_900_000_000, "token_type": "bearer"}),
    ];
    let mut account = AdapterAccount {
        user_id: user.id.clone(),
        kind: AccountType::OAuth,
        provider: "sqlx-idp".into(),
        provider_account_id: uuid::Uuid::new_v4().to_string(),
        extra: Map::new(),
    };
    for (i, extra) in versions.into_iter().enumerate() {
        account.extra = serde_json::from_value(extra).expect("an object");
        if i == 0 {
            adapter.link_account(account.clone()).await.expect("link");
        } else {
            account.kind = AccountType::Oidc;
            adapter
                .update_account(account.clone())
                .await
                .expect("update");
        }
        assert_eq!(
            adapter.list_accounts(&user.id).await.expect("list"),
            vec![account.clone()]
        );
    }
    account
}
