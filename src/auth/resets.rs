//! Password-reset tokens: minted by the worker, stored only as SHA-256, valid 60 minutes,
//! redeemed by one conditional UPDATE so two concurrent redemptions cannot both win.

use chrono::{DateTime, Duration, Utc};
use sea_query::{Cond, Expr, Query};

use jobs::password_changed::NotifyPasswordChanged;
use jobs::password_reset::SendPasswordReset;

use crate::auth::accounts;
use crate::auth::tokens;
use crate::db::schema::{Accounts, PasswordResetTokens};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::queue;

pub const VALID_FOR: Duration = Duration::minutes(60);

/// A token that exists, is unused and has not expired, and whose account it belongs to.
#[derive(sqlx::FromRow)]
struct TokenRow {
    account_id: i64,
}

fn live(token_hash: &str, now: DateTime<Utc>) -> Cond {
    let col = |c: PasswordResetTokens| Expr::col((PasswordResetTokens::Table, c));
    Cond::all()
        .add(col(PasswordResetTokens::TokenHash).eq(token_hash))
        .add(col(PasswordResetTokens::UsedAt).is_null())
        .add(col(PasswordResetTokens::ExpiresAt).gt(now))
}

/// The account a live token belongs to, or `None` for unknown, used or expired tokens and
/// tokens of a disabled account.
pub async fn account_for(db: &Db, raw: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    if !tokens::looks_like_token(raw) {
        return Ok(None);
    }
    let query = Query::select()
        .column((PasswordResetTokens::Table, PasswordResetTokens::AccountId))
        .from(PasswordResetTokens::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((PasswordResetTokens::Table, PasswordResetTokens::AccountId)),
        )
        .cond_where(live(&tokens::sha256_hex(raw), now))
        .and_where(Expr::col((Accounts::Table, Accounts::Disabled)).eq(false))
        .to_owned();
    Ok(db
        .fetch_optional::<TokenRow>(&query)
        .await?
        .map(|row| row.account_id))
}

/// Marks the token used if it is still live and its account is not disabled; returns its
/// account when this call won. In the house lock order: the token is only read first (no
/// lock), then its account row is locked (and its standing read under the lock), then the
/// token is taken by one conditional UPDATE (of two concurrent redemptions exactly one sees an
/// affected row). An account deletion, which also locks the account row first, therefore
/// queues behind a redemption or the other way round, never deadlocks with it.
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
    if !accounts::lock_enabled(tx, row.account_id).await? {
        return Ok(None);
    }
    let update = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .cond_where(
            live(&hash, now).add(Expr::col(PasswordResetTokens::AccountId).eq(row.account_id)),
        )
        .to_owned();
    Ok((tx.execute(&update).await? == 1).then_some(row.account_id))
}

/// Asks for a reset e-mail to whatever address was typed: one queued job, whose worker
/// decides whether an account uses the address, so the request does the same work either way.
pub async fn request(db: &Db, normalized_email: &str) -> Result<()> {
    let job = SendPasswordReset {
        email: normalized_email.to_owned(),
    };
    db.transaction("ask for a reset e-mail", |tx| {
        let job = job.clone();
        Box::pin(async move { queue::enqueue(tx, &job).await })
    })
    .await
}

/// A whole reset, as one unit of work: redeems the token, sets the new password (hashed by
/// the caller, before the transaction), retires the account's other tokens, ends every
/// session of the account and queues the "password changed" notice. The account it was for,
/// or `None` when the token was not live (or a concurrent redemption won).
pub async fn reset_password(
    db: &Db,
    raw: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    db.transaction("reset a password", |tx| {
        let (raw, password_hash) = (raw.to_owned(), password_hash.to_owned());
        Box::pin(async move {
            let Some(account_id) = redeem(tx, &raw, now).await? else {
                return Ok(None);
            };
            accounts::set_password(tx, account_id, &password_hash).await?;
            retire_for_account(tx, account_id, now).await?;
            super::sessions::delete_for_account(tx, account_id, None).await?;
            queue::enqueue(tx, &NotifyPasswordChanged { account_id }).await?;
            Ok(Some(account_id))
        })
    })
    .await
}

/// Retires every unused token of an account (a newer one supersedes them, or the password
/// was just changed). The caller holds the account's row lock (every token write does), so
/// the unused tokens are read plainly and updated by primary key: a range UPDATE would also
/// lock the index gaps around them, where another account's new token is inserted, and two
/// concurrent mints for neighbouring accounts would deadlock there.
pub async fn retire_for_account(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> Result<u64> {
    #[derive(sqlx::FromRow)]
    struct Unused {
        id: i64,
    }
    let unused: Vec<Unused> = tx
        .fetch_all(
            &Query::select()
                .column(PasswordResetTokens::Id)
                .from(PasswordResetTokens::Table)
                .and_where(Expr::col(PasswordResetTokens::AccountId).eq(account_id))
                .and_where(Expr::col(PasswordResetTokens::UsedAt).is_null())
                .to_owned(),
        )
        .await?;
    if unused.is_empty() {
        return Ok(0);
    }
    let update = Query::update()
        .table(PasswordResetTokens::Table)
        .value(PasswordResetTokens::UsedAt, now)
        .and_where(Expr::col(PasswordResetTokens::Id).is_in(unused.into_iter().map(|t| t.id)))
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
    let minted = db
        .transaction("mint a reset token", move |tx| {
            let hash = hash.clone();
            Box::pin(async move {
                // The account first (house lock order): a deletion or a disable racing this
                // mint queues, and one that won is seen here.
                if !accounts::lock_enabled(tx, account_id).await? {
                    return Ok(false);
                }
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
                tx.insert(&insert).await?;
                Ok(true)
            })
        })
        .await?;
    Ok(minted.then_some((account, raw)))
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
    db.write("delete dead reset tokens", delete).await
}
