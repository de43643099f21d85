use super::people_columns;
use crate::admin::entity::{Dependent, EntityDef, Hooks, OnDelete, TableIden};
use crate::auth::Role;
use crate::db::schema::{Accounts, Feedback};
use crate::db::Touched;
use views::paths;

/// Viewer accounts (`accounts` rows with the customer role). Staff set the monthly
/// subscription price; customers cannot.
pub static CUSTOMERS: EntityDef = EntityDef {
    slug: "customers",
    paths: &paths::CUSTOMERS_PATHS,
    singular: "customer",
    plural: "Customers",
    table: TableIden::Accounts(Accounts::Table),
    id: TableIden::Accounts(Accounts::Id),
    version: TableIden::Accounts(Accounts::Version),
    columns: &people_columns::CUSTOMER,
    page_columns: &[],
    default_sort: "username",
    filters: &["country_id", "disabled"],
    unique: &people_columns::UNIQUE,
    rules: &[],
    dependents: &[
        people_columns::SESSIONS,
        people_columns::RESET_TOKENS,
        // The series' rating figures are taken back as the reviews go (see `crud`).
        Dependent {
            table: TableIden::Feedback(Feedback::Table),
            fk: TableIden::Feedback(Feedback::AccountId),
            what: "reviews",
            on_delete: OnDelete::Cascade,
        },
    ],
    delete_note: "Their sessions and reviews are deleted with them.",
    children: &[],
    links: &[],
    label: people_columns::label,
    account: Some(Role::Customer),
    hooks: Hooks::NONE,
    touches: Some(Touched::Reviews),
};
