//! Password-reset tokens: minted by the worker, stored only as SHA-256, valid 60 minutes,
//! redeemed by one conditional UPDATE so two concurrent redemptions cannot both win.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Cond, Expr, Query};

use crate::auth::accounts;
use crate::auth::tokens;
use crate::db::schema::PasswordResetTokens;
use crate::db::{Db, Tx};
use crate::error::Result;

pub const VALID_FOR: Duration = Duration::minutes(60);

/// A token that exists, is unused and has not expired, and whose account it belongs to.
#[derive(sqlx::FromRow)]
struct TokenRow {
    account_id: i64,
}

fn live(token_hash: &str, now: DateTime<Utc>) -> Cond {
    Cond::all()
        .add(Expr::col(PasswordResetTokens::TokenHash).eq(token_hash))
        .add(Expr::col(PasswordResetTokens::UsedAt).is_null())
        .add(Expr::col(PasswordResetTokens::ExpiresAt).gt(now))
}

/// The account a live token belongs to, or `None` for unknown, used or expired tokens.
pub async fn account_for(db: &Db, raw: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    if !tokens::looks_like_token(raw) {
        return Ok(None);
    }
    let query = Query::select()
        .column(PasswordResetTokens::AccountId)
        .from(PasswordResetTokens::Table)
        .cond_where(live(&tokens::sha256_hex(raw), now))
        .to_owned();
    Ok(db
        .fetch_optional::<TokenRow>(&query)
        .await?
        .map(|row| row.account_id))
}

/// Marks the token used if it is still live; returns its account when this call won.
pub async fn redeem(tx: &mut Tx, raw: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    let hash = tokens::sha256_hex(raw);
    let query = Query::select()
        .column(PasswordResetTokens::AccountId)
        .from(PasswordResetTokens::Table)
        .cond_where(live(&hash, now))
        .to_owned();
    let Some(row) = tx.fetch_optional::<TokenRow>(&query).await? else {
        return Ok(None);
    };
    let update = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .cond_where(live(&hash, now))
        .to_owned();
    // Exactly one concurrent redemption sees one affected row.
    Ok((tx.execute(&update).await? == 1).then_some(row.account_id))
}

/// Retires every unused token of an account (a newer one supersedes them, or the password
/// was just changed).
pub async fn retire_for_account(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> Result<u64> {
    let update = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .and_where(Expr::col(PasswordResetTokens::AccountId).eq(account_id))
        .and_where(Expr::col(PasswordResetTokens::UsedAt).is_null())
        .to_owned();
    tx.execute(&update).await
}

/// Deletes every token of an account (its deletion).
pub async fn delete_for_account(tx: &mut Tx, account_id: i64) -> Result<u64> {
    let delete = Query::delete()
        .from_table(PasswordResetTokens::Table)
        .and_where(Expr::col(PasswordResetTokens::AccountId).eq(account_id))
        .to_owned();
    tx.execute(&delete).await
}

/// For the worker: a new token for the account using `normalized_email`, if any.
pub async fn mint(
    db: &Db,
    normalized_email: &str,
    now: DateTime<Utc>,
) -> Result<Option<(accounts::Account, String)>> {
    let Some(account) = accounts::find_by_email(db, normalized_email).await? else {
        return Ok(None);
    };
    if account.disabled {
        return Ok(None);
    }
    let raw = tokens::random_token();
    let hash = tokens::sha256_hex(&raw);
    let account_id = account.id;
    db.transaction(move |tx| {
        let hash = hash.clone();
        Box::pin(async move {
            retire_for_account(tx, account_id, now).await?;
            let insert = Query::insert()
                .into_table(PasswordResetTokens::Table)
                .columns([
                    PasswordResetTokens::AccountId,
                    PasswordResetTokens::TokenHash,
                    PasswordResetTokens::CreatedAt,
                    PasswordResetTokens::ExpiresAt,
                ])
                .values_panic([
                    account_id.into(),
                    hash.into(),
                    now.into(),
                    (now + VALID_FOR).into(),
                ])
                .to_owned();
            tx.insert(&insert).await
        })
    })
    .await?;
    Ok(Some((account, raw)))
}

/// Deletes tokens that can no longer be redeemed.
pub async fn delete_dead(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let delete = Query::delete()
        .from_table(PasswordResetTokens::Table)
        .cond_where(
            Cond::any()
                .add(Expr::col(PasswordResetTokens::ExpiresAt).lt(now))
                .add(Expr::col(PasswordResetTokens::UsedAt).is_not_null()),
        )
        .to_owned();
    db.execute(&delete).await
}
