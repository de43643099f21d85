//! What staff do to accounts beyond editing their rows: give new accounts a password,
//! disable and re-enable them (ending their sessions at once), and keep at least one active
//! employee.

use sea_query::{Expr, Order, Query};

use super::crud::{self, Actor, FormData, NewAccountSecret, Record};
use super::entity::EntityDef;
use crate::audit::{Action, FieldChange};
use crate::auth::{accounts, credentials, password, sessions, Role};
use crate::db::schema::Accounts;
use crate::db::Db;
use crate::error::Result;
use crate::validation::FieldErrors;

/// Checks the new account's password (the policy of registration and `create-employee`;
/// `password_confirm` must match when sent). Messages go beside the fields.
pub fn check_password(form: &FormData, errors: &mut FieldErrors) -> Result<Option<String>> {
    let password = form.one("password")?.unwrap_or_default().to_owned();
    if let Err(message) = password::check_policy(&password) {
        errors.add("password", message);
        return Ok(None);
    }
    if let Some(confirm) = form.one("password_confirm")? {
        if confirm != password {
            errors.add("password_confirm", "The two passwords differ.");
            return Ok(None);
        }
    }
    Ok(Some(password))
}

/// bcrypt, before (never inside) the transaction that creates the account.
pub async fn secret(password: &str) -> Result<NewAccountSecret> {
    Ok(NewAccountSecret {
        password_hash: password::hash(password).await?,
    })
}

pub enum Toggled {
    Done(Record),
    /// It already was in that state.
    Unchanged(Record),
    Refused(String, Record),
    NotFound,
}

/// Disables (ending every session of the account in the same transaction) or re-enables an
/// account; either way its unused reset links are retired. Staff cannot disable themselves or the last active employee.
pub async fn set_disabled(
    db: &Db,
    def: &'static EntityDef,
    id: i64,
    disabled: bool,
    actor: Actor,
) -> Result<Toggled> {
    db.transaction("disable or enable an account", |tx| {
        Box::pin(async move {
            let is_employee = def.role() == Some(Role::Employee);
            let active = if is_employee && disabled {
                accounts::lock_active_employees(tx).await?
            } else {
                0
            };
            let Some(old) = crud::lock_row(tx, def, id).await? else {
                return Ok(Toggled::NotFound);
            };
            let was = old.flag(def, "disabled")?;
            if was == disabled {
                return Ok(Toggled::Unchanged(old));
            }
            if is_employee && disabled {
                if id == actor.account_id {
                    return Ok(Toggled::Refused(
                        "You cannot disable your own account.".into(),
                        old,
                    ));
                }
                if active <= 1 {
                    return Ok(Toggled::Refused(
                        "This is the last active employee.".into(),
                        old,
                    ));
                }
            }
            let update = Query::update()
                .table(Accounts::Table)
                .value(Accounts::Disabled, disabled)
                .value(Accounts::Version, Expr::col(Accounts::Version).add(1))
                .and_where(Expr::col(Accounts::Id).eq(id))
                .to_owned();
            tx.execute(&update).await?;
            if disabled {
                sessions::delete_for_account(tx, id, None).await?;
            }
            credentials::changed(tx, id, actor.now).await?;
            let change = FieldChange {
                field: "disabled".into(),
                before: Some(was.to_string()),
                after: Some(disabled.to_string()),
            };
            let action = if disabled {
                Action::Disable
            } else {
                Action::Enable
            };
            crud::audit_change(tx, def, actor, action, id, vec![change]).await?;
            let new = crud::lock_row(tx, def, id).await?.unwrap_or(old);
            Ok(Toggled::Done(new))
        })
    })
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffMember {
    pub id: i64,
    pub username: String,
}

/// Every employee, for the audit page's "who" filter.
pub async fn staff_members(db: &Db) -> Result<Vec<StaffMember>> {
    let select = Query::select()
        .columns([Accounts::Id, Accounts::Username])
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Role).eq(Role::Employee.as_str()))
        .order_by(Accounts::Username, Order::Asc)
        .to_owned();
    db.fetch_all(&select).await
}
