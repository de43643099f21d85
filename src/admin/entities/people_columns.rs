//! The columns employees and customers share (both are rows of `accounts`).

use sea_query::{Expr, SimpleExpr};

use super::COUNTRIES;
use crate::admin::entity::{Column, ColumnKind, Dependent, Edit, OnDelete, TableIden, Unique};
use crate::db::schema::{Accounts, PasswordResetTokens, Sessions};

const USERNAME: Column = Column::of(
    "username",
    TableIden::Accounts(Accounts::Username),
    "Username",
    ColumnKind::Username,
)
.edit(Edit::CreateOnly)
.search()
.sort();
const EMAIL: Column = Column::of(
    "email",
    TableIden::Accounts(Accounts::Email),
    "E-mail",
    ColumnKind::Email,
)
.search()
.sort();
const FIRST_NAME: Column = Column::text(
    "first_name",
    TableIden::Accounts(Accounts::FirstName),
    "First name",
    100,
)
.search()
.sort();
const LAST_NAME: Column = Column::text(
    "last_name",
    TableIden::Accounts(Accounts::LastName),
    "Last name",
    100,
)
.search()
.sort();
const COUNTRY: Column = Column::of(
    "country_id",
    TableIden::Accounts(Accounts::CountryId),
    "Country",
    ColumnKind::Ref(&COUNTRIES),
)
.optional()
.sort();
const DISABLED: Column = Column::of(
    "disabled",
    TableIden::Accounts(Accounts::Disabled),
    "Disabled",
    ColumnKind::Bool,
)
.optional()
.edit(Edit::Never)
.sort();
const CREATED_AT: Column = Column::of(
    "created_at",
    TableIden::Accounts(Accounts::CreatedAt),
    "Created",
    ColumnKind::Timestamp,
)
.optional()
.edit(Edit::Never)
.sort();

pub const EMPLOYEE: [Column; 7] = [
    USERNAME, EMAIL, FIRST_NAME, LAST_NAME, COUNTRY, DISABLED, CREATED_AT,
];

pub const CUSTOMER: [Column; 8] = [
    USERNAME,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    COUNTRY,
    Column::of(
        "monthly_subscription_cents",
        TableIden::Accounts(Accounts::MonthlySubscriptionCents),
        "Monthly subscription ($)",
        ColumnKind::Cents { min: 0 },
    )
    .sort(),
    DISABLED,
    CREATED_AT,
];

/// Usernames and e-mail addresses are unique across every account, whatever its role.
pub const UNIQUE: [Unique; 2] = [
    Unique {
        columns: &["username"],
        field: "username",
        message: "That username is taken.",
    },
    Unique {
        columns: &["email"],
        field: "email",
        message: crate::auth::accounts::EMAIL_TAKEN,
    },
];

pub fn label() -> SimpleExpr {
    Expr::col((Accounts::Table, Accounts::Username)).into()
}

/// An account's sessions and reset tokens go with it.
pub const SESSIONS: Dependent = Dependent {
    table: TableIden::Sessions(Sessions::Table),
    fk: TableIden::Sessions(Sessions::AccountId),
    what: "sessions",
    on_delete: OnDelete::Cascade,
};

pub const RESET_TOKENS: Dependent = Dependent {
    table: TableIden::PasswordResetTokens(PasswordResetTokens::Table),
    fk: TableIden::PasswordResetTokens(PasswordResetTokens::AccountId),
    what: "reset tokens",
    on_delete: OnDelete::Cascade,
};
