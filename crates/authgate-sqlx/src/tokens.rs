//! `authgate_verification_tokens`.

use authgate_core::adapter::{AdapterError, VerificationToken};

use crate::db::{db_err, with_pool, Db, Ts};

/// A token as selected: `identifier, token, expires`.
type TokenRow = (String, String, Ts);

fn from_row((identifier, token, expires): TokenRow) -> VerificationToken {
    VerificationToken {
        identifier,
        token,
        expires: expires.0,
    }
}

pub(crate) async fn create(
    db: &Db,
    token: VerificationToken,
) -> Result<VerificationToken, AdapterError> {
    let expires = Ts::new(token.expires);
    with_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO authgate_verification_tokens (identifier, token, expires) \
             VALUES ($1, $2, $3)",
        )
        .bind(&token.identifier)
        .bind(&token.token)
        .bind(expires)
        .execute(pool)
        .await
        .map(drop)
    })
    .map_err(db_err)?;
    Ok(VerificationToken {
        expires: expires.0,
        ..token
    })
}

/// The token, if unexpired, left in place.
pub(crate) async fn find(
    db: &Db,
    identifier: &str,
    token: &str,
) -> Result<Option<VerificationToken>, AdapterError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, TokenRow>(
            "SELECT identifier, token, expires FROM authgate_verification_tokens \
             WHERE identifier = $1 AND token = $2 AND expires > $3",
        )
        .bind(identifier)
        .bind(token)
        .bind(Ts::now())
        .fetch_optional(pool)
        .await
    });
    Ok(row.map_err(db_err)?.map(from_row))
}

/// Deletes the token and returns it if it was unexpired. One `DELETE ... RETURNING`:
/// of concurrent calls, only one gets the row.
pub(crate) async fn take(
    db: &Db,
    identifier: &str,
    token: &str,
) -> Result<Option<VerificationToken>, AdapterError> {
    let now = Ts::now();
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, TokenRow>(
            "DELETE FROM authgate_verification_tokens WHERE identifier = $1 AND token = $2 \
             RETURNING identifier, token, expires",
        )
        .bind(identifier)
        .bind(token)
        .fetch_optional(pool)
        .await
    });
    Ok(row
        .map_err(db_err)?
        .filter(|(_, _, expires)| expires.0 > now.0)
        .map(from_row))
}
