use super::people_columns;
use crate::admin::entity::{Behaviour, Col, Dependent, EntityDef, OnDelete};
use crate::auth::Role;
use crate::db::schema::{Accounts, Feedback};

/// Viewer accounts (`accounts` rows with the customer role). Staff set the monthly
/// subscription price; customers cannot.
pub static CUSTOMERS: EntityDef = EntityDef {
    slug: "customers",
    singular: "customer",
    plural: "Customers",
    table: Col::Accounts(Accounts::Table),
    id: Col::Accounts(Accounts::Id),
    version: Col::Accounts(Accounts::Version),
    columns: &people_columns::CUSTOMER,
    default_sort: "username",
    filters: &["country_id", "disabled"],
    unique: &people_columns::UNIQUE,
    rules: &[],
    dependents: &[
        people_columns::SESSIONS,
        people_columns::RESET_TOKENS,
        // The series' rating figures are taken back as the reviews go (see `crud`).
        Dependent {
            table: Col::Feedback(Feedback::Table),
            fk: Col::Feedback(Feedback::AccountId),
            what: "reviews",
            on_delete: OnDelete::Cascade,
        },
    ],
    delete_note: "Their sessions and reviews are deleted with them.",
    children: &[],
    links: &[],
    label: people_columns::label,
    behaviour: Behaviour::Account(Role::Customer),
};
