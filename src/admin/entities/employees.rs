use super::people_columns;
use crate::admin::entity::{Dependent, EntityDef, Hooks, OnDelete, TableIden};
use crate::auth::Role;
use crate::db::schema::{Accounts, AuditLog};
use views::paths;

/// Staff accounts (`accounts` rows with the employee role). Created with a password; the
/// hash is never read here. Disabled and re-enabled by their own actions.
pub static EMPLOYEES: EntityDef = EntityDef {
    slug: "employees",
    paths: &paths::EMPLOYEES_PATHS,
    singular: "employee",
    plural: "Employees",
    table: TableIden::Accounts(Accounts::Table),
    id: TableIden::Accounts(Accounts::Id),
    version: TableIden::Accounts(Accounts::Version),
    columns: &people_columns::EMPLOYEE,
    page_columns: &[],
    default_sort: "username",
    filters: &["disabled"],
    unique: &people_columns::UNIQUE,
    rules: &[],
    dependents: &[
        Dependent {
            table: TableIden::AuditLog(AuditLog::Table),
            fk: TableIden::AuditLog(AuditLog::AccountId),
            what: "audit entries",
            on_delete: OnDelete::Refuse(
                "This employee's changes are in the audit log: disable the account instead.",
            ),
        },
        people_columns::SESSIONS,
        people_columns::RESET_TOKENS,
    ],
    delete_note: "Only an employee who never changed anything can be deleted; disable the others.",
    children: &[],
    links: &[],
    label: people_columns::label,
    account: Some(Role::Employee),
    hooks: Hooks::NONE,
    touches: None,
};
