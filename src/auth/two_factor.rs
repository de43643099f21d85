//! Two-factor sign-in: enrolment (a secret stored encrypted and pending until one valid
//! code confirms it, then ten one-time recovery codes stored as SHA-256), the second step of
//! a sign-in, and turning it off. Each write is one unit of work that locks the account row
//! first (the house lock order: accounts → sessions, account_totp, recovery_codes).

use chrono::{DateTime, Utc};
use sea_query::{Expr, Query};

use jobs::two_factor_changed::{NotifyTwoFactorChanged, TwoFactorChange};

use super::{accounts, sessions, tokens, totp, Role};
use crate::audit::{self, Action, FieldChange};
use crate::db::schema::{AccountTotp, Accounts, RecoveryCodes};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::queue;

pub const RECOVERY_CODES: usize = 10;

#[derive(sqlx::FromRow, Clone)]
struct TotpRow {
    secret_encrypted: String,
    confirmed_at: Option<DateTime<Utc>>,
    last_step: Option<i64>,
}

/// An account's two-factor state.
pub enum Status {
    Off,
    /// Enrolment started: the secret to show until a code confirms it.
    Pending {
        secret: Vec<u8>,
    },
    On,
}

fn select_row(account_id: i64) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            AccountTotp::SecretEncrypted,
            AccountTotp::ConfirmedAt,
            AccountTotp::LastStep,
        ])
        .from(AccountTotp::Table)
        .and_where(Expr::col(AccountTotp::AccountId).eq(account_id))
        .to_owned()
}

async fn row_in(tx: &mut Tx, account_id: i64) -> Result<Option<TotpRow>> {
    let select = select_row(account_id)
        .lock(sea_query::LockType::Update)
        .to_owned();
    tx.fetch_optional(&select).await
}

fn decrypt(key: &[u8], account_id: i64, row: &TotpRow) -> Result<Vec<u8>> {
    totp::decrypt(key, account_id, &row.secret_encrypted)
        .ok_or_else(|| Error::internal("a stored two-factor secret does not decrypt"))
}

pub async fn is_on(db: &Db, account_id: i64) -> Result<bool> {
    let row: Option<TotpRow> = db.fetch_optional(&select_row(account_id)).await?;
    Ok(row.is_some_and(|row| row.confirmed_at.is_some()))
}

/// The account's state, starting an enrolment (a new pending secret) when it is off. A
/// pending secret is kept, so reloading the page shows the same one.
pub async fn start_enrolment(db: &Db, key: &[u8], account_id: i64) -> Result<Status> {
    let key = key.to_vec();
    db.transaction("start two-factor enrolment", move |tx| {
        let key = key.clone();
        Box::pin(async move {
            if !accounts::lock(tx, account_id).await? {
                return Err(Error::NotFound);
            }
            if let Some(row) = row_in(tx, account_id).await? {
                if row.confirmed_at.is_some() {
                    return Ok(Status::On);
                }
                return Ok(Status::Pending {
                    secret: decrypt(&key, account_id, &row)?,
                });
            }
            let secret = totp::new_secret();
            let insert = Query::insert()
                .into_table(AccountTotp::Table)
                .columns([AccountTotp::AccountId, AccountTotp::SecretEncrypted])
                .values_panic([
                    account_id.into(),
                    totp::encrypt(&key, account_id, &secret).into(),
                ])
                .to_owned();
            tx.execute(&insert).await?;
            Ok(Status::Pending { secret })
        })
    })
    .await
}

/// What confirming an enrolment did.
pub enum Confirmed {
    /// On: the recovery codes to show once.
    On {
        recovery_codes: Vec<String>,
    },
    WrongCode,
    /// Nothing pending (already on, or never started).
    NothingPending,
}

/// Completes an enrolment when `code` is valid for the pending secret: records its step (so
/// it cannot be used again) and replaces the recovery codes.
pub async fn confirm(
    db: &Db,
    key: &[u8],
    account_id: i64,
    code: u32,
    now: DateTime<Utc>,
) -> Result<Confirmed> {
    let key = key.to_vec();
    db.transaction("turn on two-factor sign-in", move |tx| {
        let key = key.clone();
        Box::pin(async move {
            accounts::lock(tx, account_id).await?;
            let Some(row) = row_in(tx, account_id).await? else {
                return Ok(Confirmed::NothingPending);
            };
            if row.confirmed_at.is_some() {
                return Ok(Confirmed::NothingPending);
            }
            let secret = decrypt(&key, account_id, &row)?;
            let Some(step) = totp::matching_step(&secret, code, now, row.last_step) else {
                return Ok(Confirmed::WrongCode);
            };
            let update = Query::update()
                .table(AccountTotp::Table)
                .value(AccountTotp::ConfirmedAt, now)
                .value(AccountTotp::LastStep, step)
                .and_where(Expr::col(AccountTotp::AccountId).eq(account_id))
                .to_owned();
            tx.execute(&update).await?;
            let recovery_codes = replace_recovery_codes(tx, account_id).await?;
            let notice = NotifyTwoFactorChanged {
                account_id,
                change: TwoFactorChange::TurnedOn,
            };
            queue::enqueue(tx, &notice).await?;
            Ok(Confirmed::On { recovery_codes })
        })
    })
    .await
}

async fn replace_recovery_codes(tx: &mut Tx, account_id: i64) -> Result<Vec<String>> {
    let delete = Query::delete()
        .from_table(RecoveryCodes::Table)
        .and_where(Expr::col(RecoveryCodes::AccountId).eq(account_id))
        .to_owned();
    tx.execute(&delete).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let mut insert = Query::insert();
    insert
        .into_table(RecoveryCodes::Table)
        .columns([RecoveryCodes::AccountId, RecoveryCodes::CodeHash]);
    for code in &codes {
        insert.values_panic([account_id.into(), recovery_hash(code).into()]);
    }
    tx.execute(&insert).await?;
    Ok(codes)
}

/// Ten lower-case letters and digits in two groups (`abcde-fghij`), about 52 bits.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {e}");
    }
    let mut code = String::with_capacity(11);
    for (i, byte) in bytes.iter().enumerate() {
        if i == 5 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[usize::from(byte & 31)]));
    }
    code
}

/// Recovery codes are compared without case, spaces or dashes.
fn recovery_hash(typed: &str) -> String {
    let normalized: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    tokens::sha256_hex(&normalized)
}

/// Checks a second-factor answer for `account_id` and spends it: a TOTP code newer than the
/// last one used, or an unused recovery code (then marked used). One unit of work, so two
/// concurrent uses of one code cannot both pass.
pub async fn spend_code(
    db: &Db,
    key: &[u8],
    account_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let key = key.to_vec();
    let typed = typed.to_owned();
    db.transaction("check a second-factor code", move |tx| {
        let (key, typed) = (key.clone(), typed.clone());
        Box::pin(async move { spend_in(tx, &key, account_id, &typed, now).await })
    })
    .await
}

async fn spend_in(
    tx: &mut Tx,
    key: &[u8],
    account_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !accounts::lock(tx, account_id).await? {
        return Ok(false);
    }
    let Some(row) = row_in(tx, account_id).await? else {
        return Ok(false);
    };
    if row.confirmed_at.is_none() {
        return Ok(false);
    }
    if let Some(code) = totp::parse_code(typed) {
        let secret = decrypt(key, account_id, &row)?;
        let Some(step) = totp::matching_step(&secret, code, now, row.last_step) else {
            return Ok(false);
        };
        let update = Query::update()
            .table(AccountTotp::Table)
            .value(AccountTotp::LastStep, step)
            .and_where(Expr::col(AccountTotp::AccountId).eq(account_id))
            .to_owned();
        tx.execute(&update).await?;
        return Ok(true);
    }
    if typed.len() > 64 {
        return Ok(false);
    }
    #[derive(sqlx::FromRow)]
    struct CodeRow {
        id: i64,
    }
    let select = Query::select()
        .column(RecoveryCodes::Id)
        .from(RecoveryCodes::Table)
        .and_where(Expr::col(RecoveryCodes::AccountId).eq(account_id))
        .and_where(Expr::col(RecoveryCodes::CodeHash).eq(recovery_hash(typed)))
        .and_where(Expr::col(RecoveryCodes::UsedAt).is_null())
        .limit(1)
        .lock(sea_query::LockType::Update)
        .to_owned();
    let Some(found) = tx.fetch_optional::<CodeRow>(&select).await? else {
        return Ok(false);
    };
    let spend = Query::update()
        .table(RecoveryCodes::Table)
        .value(RecoveryCodes::UsedAt, now)
        .and_where(Expr::col(RecoveryCodes::Id).eq(found.id))
        .and_where(Expr::col(RecoveryCodes::UsedAt).is_null())
        .to_owned();
    Ok(tx.execute(&spend).await? == 1)
}

/// Completes a sign-in waiting for its second factor: when `typed` is a valid code, the
/// waiting session is replaced by a signed-in one (a new id) in the same commit. Returns the
/// new session's cookie value, or `None` for a wrong code.
pub async fn complete_sign_in(
    db: &Db,
    key: &[u8],
    pending: &sessions::PendingSignIn,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let key = key.to_vec();
    let typed = typed.to_owned();
    let pending = pending.clone();
    db.transaction("complete a two-factor sign-in", move |tx| {
        let (key, typed, pending) = (key.clone(), typed.clone(), pending.clone());
        Box::pin(async move {
            if !spend_in(tx, &key, pending.account_id, &typed, now).await? {
                return Ok(None);
            }
            sessions::delete_one_in(tx, pending.session_id).await?;
            let password_at = pending.password_at.unwrap_or(now);
            let raw = sessions::create_signed_in(tx, pending.account_id, password_at, now).await?;
            Ok(Some(raw))
        })
    })
    .await
}

/// Turns two-factor sign-in off (the caller checked the password) when `typed` is a valid
/// code: the secret and the recovery codes go. Returns whether it was turned off.
pub async fn disable(
    db: &Db,
    key: &[u8],
    account_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let key = key.to_vec();
    let typed = typed.to_owned();
    db.transaction("turn off two-factor sign-in", move |tx| {
        let (key, typed) = (key.clone(), typed.clone());
        Box::pin(async move {
            if !spend_in(tx, &key, account_id, &typed, now).await? {
                return Ok(false);
            }
            remove_in(tx, account_id).await?;
            let notice = NotifyTwoFactorChanged {
                account_id,
                change: TwoFactorChange::TurnedOff,
            };
            queue::enqueue(tx, &notice).await?;
            Ok(true)
        })
    })
    .await
}

/// Removes the secret and the recovery codes (the account row is locked by the caller).
async fn remove_in(tx: &mut Tx, account_id: i64) -> Result<u64> {
    let delete_secret = Query::delete()
        .from_table(AccountTotp::Table)
        .and_where(Expr::col(AccountTotp::AccountId).eq(account_id))
        .to_owned();
    let delete_codes = Query::delete()
        .from_table(RecoveryCodes::Table)
        .and_where(Expr::col(RecoveryCodes::AccountId).eq(account_id))
        .to_owned();
    let removed = tx.execute(&delete_secret).await?;
    tx.execute(&delete_codes).await?;
    Ok(removed)
}

/// What a staff reset of someone's two-factor sign-in did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffReset {
    /// Turned off: audited, the owner told, their sessions ended.
    Done,
    /// It was not on (nothing changed).
    WasOff,
    NotFound,
}

/// Staff turn off another employee's two-factor sign-in (a lost phone): the secret and
/// recovery codes go, the employee's sessions end, an audit entry and a notice to the
/// owner are written in the same commit. The caller checked recent authentication.
pub async fn reset_by_staff(
    db: &Db,
    actor_id: i64,
    employee_id: i64,
    now: DateTime<Utc>,
) -> Result<StaffReset> {
    db.transaction("reset someone's two-factor sign-in", move |tx| {
        Box::pin(async move {
            #[derive(sqlx::FromRow)]
            struct RoleRow {
                #[sqlx(try_from = "String")]
                role: Role,
            }
            let select = Query::select()
                .column(Accounts::Role)
                .from(Accounts::Table)
                .and_where(Expr::col(Accounts::Id).eq(employee_id))
                .lock(sea_query::LockType::Update)
                .to_owned();
            match tx.fetch_optional::<RoleRow>(&select).await? {
                Some(row) if row.role == Role::Employee => {}
                _ => return Ok(StaffReset::NotFound),
            }
            sessions::delete_for_account(tx, employee_id, None).await?;
            if remove_in(tx, employee_id).await? == 0 {
                return Ok(StaffReset::WasOff);
            }
            let entry = audit::Entry {
                actor_id,
                action: Action::Update,
                entity: "employees",
                entity_id: employee_id.to_string(),
                changes: vec![FieldChange {
                    field: "two_factor".into(),
                    before: Some("on".into()),
                    after: Some("reset".into()),
                }],
                // The account row is not changed here (its events read it when sent).
                row_version: None,
            };
            audit::record(tx, &entry, now).await?;
            let notice = NotifyTwoFactorChanged {
                account_id: employee_id,
                change: TwoFactorChange::ResetByStaff,
            };
            queue::enqueue(tx, &notice).await?;
            Ok(StaffReset::Done)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_compare_loosely_and_are_distinct() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_uppercase().replace('-', " "))
        );
        assert_ne!(new_recovery_code(), new_recovery_code());
    }
}
