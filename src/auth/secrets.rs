//! Server-wide secrets (the CSRF key), generated once and shared by every process through
//! the database so they all derive the same tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_query::{Expr, Query};

use super::tokens;
use crate::db::schema::AppSecrets;
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct SecretRow {
    value: String,
}

/// The server-wide secret `name`, created on first use and shared through the database so
/// every process derives the same CSRF tokens.
pub async fn shared_secret(db: &Db, name: &str) -> Result<Vec<u8>> {
    let select = Query::select()
        .column(AppSecrets::Value)
        .from(AppSecrets::Table)
        .and_where(Expr::col(AppSecrets::Name).eq(name))
        .to_owned();
    if let Some(row) = db.fetch_optional::<SecretRow>(&select).await? {
        return URL_SAFE_NO_PAD
            .decode(row.value)
            .map_err(|_| Error::internal("stored secret is not base64"));
    }
    let insert = Query::insert()
        .into_table(AppSecrets::Table)
        .columns([AppSecrets::Name, AppSecrets::Value])
        .values_panic([name.into(), tokens::random_token().into()])
        .to_owned();
    match db.execute(&insert).await {
        Ok(_) => {}
        // Another process created it first; use theirs.
        Err(e) if e.is_unique_violation() => {}
        Err(e) => return Err(e),
    }
    let row = db
        .fetch_optional::<SecretRow>(&select)
        .await?
        .ok_or_else(|| Error::internal("secret vanished"))?;
    URL_SAFE_NO_PAD
        .decode(row.value)
        .map_err(|_| Error::internal("stored secret is not base64"))
}
