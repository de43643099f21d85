use super::people_columns;
use crate::admin::entity::{Behaviour, Col, Dependent, EntityDef, OnDelete};
use crate::auth::Role;
use crate::db::schema::{Accounts, AuditLog};

/// Staff accounts (`accounts` rows with the employee role). Created with a password; the
/// hash is never read here. Disabled and re-enabled by their own actions.
pub static EMPLOYEES: EntityDef = EntityDef {
    slug: "employees",
    singular: "employee",
    plural: "Employees",
    table: Col::Accounts(Accounts::Table),
    id: Col::Accounts(Accounts::Id),
    version: Col::Accounts(Accounts::Version),
    columns: &people_columns::EMPLOYEE,
    default_sort: "username",
    filters: &["disabled"],
    unique: &people_columns::UNIQUE,
    rules: &[],
    dependents: &[
        Dependent {
            table: Col::AuditLog(AuditLog::Table),
            fk: Col::AuditLog(AuditLog::AccountId),
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
    behaviour: Behaviour::Account(Role::Employee),
};
