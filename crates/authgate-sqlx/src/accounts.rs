//! `authgate_accounts`: Auth.js's token fields in their own columns, every other field
//! of [`AdapterAccount::extra`] in the JSON column `extra`.

use authgate_core::{
    adapter::{AdapterAccount, AdapterError, AdapterUser, NewUser},
    AccountType,
};
use serde_json::{Map, Value};
use sqlx::{query::Query, types::Json, Database, Encode, Type};

use crate::{
    db::{db_err, with_pool, Db},
    users,
};

/// The string fields with a column of their own, in column order.
const TEXT_FIELDS: [&str; 6] = [
    "access_token",
    "refresh_token",
    "token_type",
    "scope",
    "id_token",
    "session_state",
];

/// The integer field with a column of its own.
const EXPIRES_AT: &str = "expires_at";

/// The columns, in the order of [`AccountRow`] and of the binds of [`bind`].
macro_rules! columns {
    () => {
        "user_id, type, provider, provider_account_id, access_token, refresh_token, \
         token_type, scope, id_token, session_state, expires_at, extra"
    };
}

/// An account as selected: the columns of `columns!()`, in order.
type AccountRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Json<Map<String, Value>>,
);

/// An account split into its columns. A field moves to its column only when it has
/// the column's type (a string, an `i64`); anything else (a `null`, a number as a
/// token) stays in `extra`, so that `extra` reads back exactly as it was written.
struct Columns {
    user_id: String,
    kind: String,
    provider: String,
    provider_account_id: String,
    texts: [Option<String>; 6],
    expires_at: Option<i64>,
    extra: Map<String, Value>,
}

impl Columns {
    fn new(account: AdapterAccount) -> Result<Self, AdapterError> {
        let Value::String(kind) =
            serde_json::to_value(account.kind).map_err(AdapterError::backend)?
        else {
            return Err(AdapterError::backend(
                "an account type that is not a string",
            ));
        };
        let mut extra = account.extra;
        let texts =
            TEXT_FIELDS.map(|field| take(&mut extra, field, |v| v.as_str().map(str::to_owned)));
        let expires_at = take(&mut extra, EXPIRES_AT, Value::as_i64);
        Ok(Self {
            user_id: account.user_id,
            kind,
            provider: account.provider,
            provider_account_id: account.provider_account_id,
            texts,
            expires_at,
            extra,
        })
    }
}

/// Removes `field` from `extra` when `convert` takes its value.
fn take<T>(
    extra: &mut Map<String, Value>,
    field: &str,
    convert: impl Fn(&Value) -> Option<T>,
) -> Option<T> {
    let value = extra.get(field).and_then(convert)?;
    extra.remove(field);
    Some(value)
}

fn from_row(row: AccountRow) -> Result<AdapterAccount, AdapterError> {
    let (user_id, kind, provider, provider_account_id, t0, t1, t2, t3, t4, t5, expires_at, extra) =
        row;
    let kind: AccountType =
        serde_json::from_value(Value::String(kind)).map_err(AdapterError::backend)?;
    let mut extra = extra.0;
    for (field, value) in TEXT_FIELDS.into_iter().zip([t0, t1, t2, t3, t4, t5]) {
        if let Some(value) = value {
            extra.insert(field.to_owned(), Value::String(value));
        }
    }
    if let Some(expires_at) = expires_at {
        extra.insert(EXPIRES_AT.to_owned(), Value::from(expires_at));
    }
    Ok(AdapterAccount {
        user_id,
        kind,
        provider,
        provider_account_id,
        extra,
    })
}

/// Binds `$1` to `$12` of `sql`: user id, type, provider, provider account id, the six
/// token strings, `expires_at`, `extra`.
fn bind<'q, DB: Database>(sql: &'q str, account: &'q Columns) -> Query<'q, DB, DB::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Json<&'q Map<String, Value>>: Encode<'q, DB> + Type<DB>,
{
    let query = sqlx::query(sql)
        .bind(account.user_id.as_str())
        .bind(account.kind.as_str())
        .bind(account.provider.as_str())
        .bind(account.provider_account_id.as_str());
    account
        .texts
        .iter()
        .fold(query, |query, text| query.bind(text.as_deref()))
        .bind(account.expires_at)
        .bind(Json(&account.extra))
}

const INSERT: &str = concat!(
    "INSERT INTO authgate_accounts (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
);

pub(crate) async fn link(db: &Db, account: AdapterAccount) -> Result<(), AdapterError> {
    let account = Columns::new(account)?;
    with_pool!(db, |pool| bind(INSERT, &account)
        .execute(pool)
        .await
        .map(drop))
    .map_err(db_err)?;
    Ok(())
}

/// Inserts the user and the account in one transaction.
pub(crate) async fn create_user_with(
    db: &Db,
    user: NewUser,
    account: AdapterAccount,
) -> Result<AdapterUser, AdapterError> {
    let user = users::new_user(user);
    let account = Columns::new(AdapterAccount {
        user_id: user.id.clone(),
        ..account
    })?;
    with_pool!(db, |pool| async {
        let mut tx = pool.begin().await?;
        users::insert(&user).execute(&mut *tx).await?;
        bind(INSERT, &account).execute(&mut *tx).await?;
        tx.commit().await
    }
    .await)
    .map_err(db_err)?;
    Ok(user)
}

/// Replaces the fields of the account `(provider, provider_account_id)` of the user.
pub(crate) async fn update(db: &Db, account: AdapterAccount) -> Result<(), AdapterError> {
    const UPDATE: &str = "UPDATE authgate_accounts SET type = $2, access_token = $5, \
         refresh_token = $6, token_type = $7, scope = $8, id_token = $9, \
         session_state = $10, expires_at = $11, extra = $12 \
         WHERE user_id = $1 AND provider = $3 AND provider_account_id = $4";
    let account = Columns::new(account)?;
    let done = with_pool!(db, |pool| bind(UPDATE, &account)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
    .map_err(db_err)?;
    if done == 0 {
        return Err(AdapterError::NotFound(format!(
            "no account {}/{} of user {}",
            account.provider, account.provider_account_id, account.user_id
        )));
    }
    Ok(())
}

pub(crate) async fn list(db: &Db, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
    const LIST: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM authgate_accounts WHERE user_id = $1 ORDER BY provider, provider_account_id"
    );
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, AccountRow>(LIST)
            .bind(user_id)
            .fetch_all(pool)
            .await
    });
    rows.map_err(db_err)?.into_iter().map(from_row).collect()
}

pub(crate) async fn unlink(
    db: &Db,
    provider: &str,
    provider_account_id: &str,
) -> Result<(), AdapterError> {
    with_pool!(db, |pool| {
        sqlx::query(
            "DELETE FROM authgate_accounts WHERE provider = $1 AND provider_account_id = $2",
        )
        .bind(provider)
        .bind(provider_account_id)
        .execute(pool)
        .await
        .map(drop)
    })
    .map_err(db_err)?;
    Ok(())
}
