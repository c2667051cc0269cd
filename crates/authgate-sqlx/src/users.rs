//! `authgate_users`.

use authgate_core::adapter::{AdapterError, AdapterUser, NewUser, UserUpdate};
use sqlx::{query::Query, Database, Encode, Type};

use crate::db::{db_err, with_pool, Db, Ts};

/// A user as selected: `id, name, email, email_verified, image`.
pub(crate) type UserRow = (
    String,
    Option<String>,
    Option<String>,
    Option<Ts>,
    Option<String>,
);

pub(crate) fn from_row((id, name, email, email_verified, image): UserRow) -> AdapterUser {
    AdapterUser {
        id,
        name,
        email,
        email_verified: email_verified.map(|t| t.0),
        image,
    }
}

/// The user to insert for `user`: its given id or a new random one, the time as stored.
pub(crate) fn new_user(user: NewUser) -> AdapterUser {
    AdapterUser {
        id: user.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: user.name,
        email: user.email,
        email_verified: user.email_verified.map(|t| Ts::new(t).0),
        image: user.image,
    }
}

/// The insert of a user, for a pool or a transaction of either dialect.
pub(crate) fn insert<'q, DB: Database>(user: &'q AdapterUser) -> Query<'q, DB, DB::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<Ts>: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(
        "INSERT INTO authgate_users (id, name, email, email_verified, image) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.id.as_str())
    .bind(user.name.as_deref())
    .bind(user.email.as_deref())
    .bind(user.email_verified.map(Ts::new))
    .bind(user.image.as_deref())
}

pub(crate) async fn create(db: &Db, user: NewUser) -> Result<AdapterUser, AdapterError> {
    let user = new_user(user);
    with_pool!(db, |pool| insert(&user).execute(pool).await.map(drop)).map_err(db_err)?;
    Ok(user)
}

/// The user where `column` (a trusted column name) is `value`.
async fn get_by(db: &Db, column: &str, value: &str) -> Result<Option<AdapterUser>, AdapterError> {
    let sql = format!(
        "SELECT id, name, email, email_verified, image FROM authgate_users WHERE {column} = $1"
    );
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, UserRow>(&sql)
            .bind(value)
            .fetch_optional(pool)
            .await
    });
    Ok(row.map_err(db_err)?.map(from_row))
}

pub(crate) async fn get(db: &Db, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
    get_by(db, "id", id).await
}

pub(crate) async fn get_by_email(
    db: &Db,
    email: &str,
) -> Result<Option<AdapterUser>, AdapterError> {
    get_by(db, "email", email).await
}

pub(crate) async fn get_by_account(
    db: &Db,
    provider: &str,
    provider_account_id: &str,
) -> Result<Option<AdapterUser>, AdapterError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            "SELECT u.id, u.name, u.email, u.email_verified, u.image \
             FROM authgate_users u JOIN authgate_accounts a ON a.user_id = u.id \
             WHERE a.provider = $1 AND a.provider_account_id = $2",
        )
        .bind(provider)
        .bind(provider_account_id)
        .fetch_optional(pool)
        .await
    });
    Ok(row.map_err(db_err)?.map(from_row))
}

pub(crate) async fn update(
    db: &Db,
    id: &str,
    update: UserUpdate,
) -> Result<AdapterUser, AdapterError> {
    let row = with_pool!(db, |pool| {
        // Per field: a flag (change it?) and the new value (NULL clears).
        sqlx::query_as::<_, UserRow>(
            "UPDATE authgate_users SET \
             name = CASE WHEN $2 THEN $3 ELSE name END, \
             email = CASE WHEN $4 THEN $5 ELSE email END, \
             email_verified = CASE WHEN $6 THEN $7 ELSE email_verified END, \
             image = CASE WHEN $8 THEN $9 ELSE image END \
             WHERE id = $1 RETURNING id, name, email, email_verified, image",
        )
        .bind(id)
        .bind(update.name.is_some())
        .bind(update.name.clone().flatten())
        .bind(update.email.is_some())
        .bind(update.email.clone().flatten())
        .bind(update.email_verified.is_some())
        .bind(update.email_verified.flatten().map(Ts::new))
        .bind(update.image.is_some())
        .bind(update.image.clone().flatten())
        .fetch_optional(pool)
        .await
    });
    row.map_err(db_err)?
        .map(from_row)
        .ok_or_else(|| AdapterError::NotFound(format!("no user {id}")))
}

/// Deletes the user; its accounts and sessions go with it (`ON DELETE CASCADE`).
pub(crate) async fn delete(db: &Db, id: &str) -> Result<(), AdapterError> {
    with_pool!(db, |pool| {
        sqlx::query("DELETE FROM authgate_users WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map(drop)
    })
    .map_err(db_err)?;
    Ok(())
}
