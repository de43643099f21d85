//! Accounts: normalization and validation of what people type, and the queries behind sign-in,
//! registration, profile and password changes.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Query};

use super::{password, Role};
use crate::db::schema::{Accounts, Computed, Countries, SqlFunction};
use crate::db::{Backend, Db, Tx};
use crate::error::Result;
use crate::validation::FieldErrors;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub country_id: Option<i64>,
    pub monthly_subscription_cents: i64,
    pub disabled: bool,
}

/// Usernames compare case-insensitively on both backends: stored and looked up in lower case.
pub fn normalize_username(text: &str) -> String {
    text.trim().to_lowercase()
}

/// E-mail addresses compare case-insensitively: stored and looked up in lower case.
pub fn normalize_email(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Longest name worth folding: no username or address is longer, and the limit keeps a
/// 64 KiB form field from becoming a 64 KiB query.
const MAX_FOLDED_CHARS: usize = 256;

/// `name` (a normalized username or e-mail address) folded the way the database compares
/// them, so that every spelling reaching one account gives the same bytes: on MariaDB the
/// `utf8mb4_unicode_ci` weights (`alicé`, `ALICE`, `ａｌｉｃｅ` and `alice\0` all find `alice`),
/// on SQLite (exact comparison of the stored lower-case form) the name itself. Known and
/// unknown names take the same path.
pub async fn fold_identity(db: &Db, name: &str) -> Result<Vec<u8>> {
    let name: String = name.chars().take(MAX_FOLDED_CHARS).collect();
    match db.backend() {
        Backend::Sqlite => Ok(name.into_bytes()),
        Backend::MySql => {
            #[derive(sqlx::FromRow)]
            struct Folded {
                folded: Option<Vec<u8>>,
            }
            let query = Query::select()
                .expr_as(
                    sea_query::Func::cust(SqlFunction::WeightString).arg(name),
                    Computed::Folded,
                )
                .to_owned();
            let row: Option<Folded> = db.fetch_optional(&query).await?;
            Ok(row.and_then(|r| r.folded).unwrap_or_default())
        }
    }
}

fn select_account() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            Accounts::Id,
            Accounts::Username,
            Accounts::Email,
            Accounts::PasswordHash,
            Accounts::Role,
            Accounts::FirstName,
            Accounts::LastName,
            Accounts::CountryId,
            Accounts::MonthlySubscriptionCents,
            Accounts::Disabled,
        ])
        .from(Accounts::Table)
        .to_owned()
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<Account>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Username).eq(username))
            .to_owned(),
    )
    .await
}

pub async fn find_by_email(db: &Db, normalized_email: &str) -> Result<Option<Account>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Email).eq(normalized_email))
            .to_owned(),
    )
    .await
}

pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<Account>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Id).eq(id))
            .to_owned(),
    )
    .await
}

/// The fields of a new or edited profile, validated.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country_id: Option<i64>,
}

fn check_name(errors: &mut FieldErrors, field: &'static str, value: &str) {
    let chars = value.chars().count();
    if chars == 0 {
        errors.add(field, "Please fill this in.");
    } else if chars > 100 {
        errors.add(field, "Use at most 100 characters.");
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Control characters are not allowed.");
    }
}

pub fn check_username(errors: &mut FieldErrors, username: &str) {
    let chars = username.chars().count();
    if !(3..=32).contains(&chars) {
        errors.add("username", "Use 3 to 32 characters.");
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.add(
            "username",
            "Use letters, digits, dots, dashes and underscores only.",
        );
    }
}

pub fn check_email(errors: &mut FieldErrors, email: &str) {
    if !is_bare_address(email) {
        errors.add("email", "Enter an e-mail address like name@example.com.");
    }
}

/// A bare address (`local@domain`), nothing else: no display name (`x<victim@example.com>`),
/// no comments, quotes or spaces, so the address that was checked for uniqueness is exactly the
/// one mail goes to. ASCII only; the mailer must accept it too, or a job would retry forever.
pub fn is_bare_address(email: &str) -> bool {
    const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    email.len() <= 254 && local_ok && domain_ok && email.parse::<lettre::Address>().is_ok()
}

/// Checks a new password and its confirmation against the policy.
pub fn check_new_password(errors: &mut FieldErrors, password: &str, confirm: &str) {
    if let Err(message) = password::check_policy(password) {
        errors.add("password", message);
    } else if password != confirm {
        errors.add("password_confirm", "The two passwords differ.");
    }
}

/// A profile as typed into a form (registration or `/account`), before validation.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ProfileInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub country_id: Option<String>,
}

/// Normalizes and validates a profile: the e-mail's shape, both names, and that the country
/// exists. Whether another account uses the address is the caller's question (registration
/// must not answer it; see [`EMAIL_TAKEN`]). Returns the normalized profile (to show again)
/// and the messages per field.
pub async fn validate_profile(db: &Db, input: &ProfileInput) -> Result<(Profile, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let country_id = match input.country_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.add("country_id", "Choose a country from the list.");
                None
            }
        },
    };
    let profile = Profile {
        email: normalize_email(&input.email),
        first_name: input.first_name.trim().to_owned(),
        last_name: input.last_name.trim().to_owned(),
        country_id,
    };
    check_email(&mut errors, &profile.email);
    check_name(&mut errors, "first_name", &profile.first_name);
    check_name(&mut errors, "last_name", &profile.last_name);
    if let Some(id) = country_id {
        if !country_exists(db, id).await? {
            errors.add("country_id", "Choose a country from the list.");
        }
    }
    Ok((profile, errors))
}

/// Said only to someone already signed in who proved their password (changing their own
/// address) or to staff: never on registration, where it would reveal who has an account.
pub const EMAIL_TAKEN: &str = "Another account already uses this e-mail address.";

#[derive(sqlx::FromRow)]
struct IdRow {
    #[allow(dead_code)]
    id: i64,
}

pub async fn country_exists(db: &Db, id: i64) -> Result<bool> {
    let query = Query::select()
        .column(Countries::Id)
        .from(Countries::Table)
        .and_where(Expr::col(Countries::Id).eq(id))
        .to_owned();
    Ok(db.fetch_optional::<IdRow>(&query).await?.is_some())
}

/// Whether another account already uses this username or e-mail (`except` is the editor).
pub async fn taken(db: &Db, column: Accounts, value: &str, except: Option<i64>) -> Result<bool> {
    let mut query = Query::select();
    query
        .column(Accounts::Id)
        .from(Accounts::Table)
        .and_where(Expr::col(column).eq(value));
    if let Some(id) = except {
        query.and_where(Expr::col(Accounts::Id).ne(id));
    }
    Ok(db.fetch_optional::<IdRow>(&query).await?.is_some())
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub profile: Profile,
    pub password_hash: String,
    pub role: Role,
    pub monthly_subscription_cents: i64,
}

pub async fn insert(tx: &mut Tx, account: &NewAccount, now: DateTime<Utc>) -> Result<i64> {
    let insert = Query::insert()
        .into_table(Accounts::Table)
        .columns([
            Accounts::Username,
            Accounts::Email,
            Accounts::PasswordHash,
            Accounts::Role,
            Accounts::FirstName,
            Accounts::LastName,
            Accounts::CountryId,
            Accounts::MonthlySubscriptionCents,
            Accounts::CreatedAt,
        ])
        .values_panic([
            account.username.clone().into(),
            account.profile.email.clone().into(),
            account.password_hash.clone().into(),
            account.role.as_str().into(),
            account.profile.first_name.clone().into(),
            account.profile.last_name.clone().into(),
            account.profile.country_id.into(),
            account.monthly_subscription_cents.into(),
            now.into(),
        ])
        .to_owned();
    tx.insert(&insert).await
}

pub async fn update_profile(tx: &mut Tx, id: i64, profile: &Profile) -> Result<u64> {
    let update = Query::update()
        .table(Accounts::Table)
        .values([
            (Accounts::Email, profile.email.clone().into()),
            (Accounts::FirstName, profile.first_name.clone().into()),
            (Accounts::LastName, profile.last_name.clone().into()),
            (Accounts::CountryId, profile.country_id.into()),
        ])
        .value(Accounts::Version, Expr::col(Accounts::Version).add(1))
        .and_where(Expr::col(Accounts::Id).eq(id))
        .to_owned();
    tx.execute(&update).await
}

/// Locks the account row for the rest of the transaction (every write that touches an
/// account's rows takes this lock first, ARCHITECTURE.md); `false` if it no longer exists.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<bool> {
    #[derive(sqlx::FromRow)]
    struct Locked {
        #[allow(dead_code)]
        id: i64,
    }
    let query = Query::select()
        .column(Accounts::Id)
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Id).eq(id))
        .lock(sea_query::LockType::Update)
        .to_owned();
    Ok(tx.fetch_optional::<Locked>(&query).await?.is_some())
}

/// Locks the account row like [`lock`]; `true` only if it exists and is not disabled (a
/// disabled account gets no new password by any route, so none waits for its re-enabling).
pub async fn lock_enabled(tx: &mut Tx, id: i64) -> Result<bool> {
    #[derive(sqlx::FromRow)]
    struct Locked {
        disabled: bool,
    }
    let query = Query::select()
        .column(Accounts::Disabled)
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Id).eq(id))
        .lock(sea_query::LockType::Update)
        .to_owned();
    Ok(tx
        .fetch_optional::<Locked>(&query)
        .await?
        .is_some_and(|row| !row.disabled))
}

pub async fn set_password(tx: &mut Tx, id: i64, password_hash: &str) -> Result<u64> {
    let update = Query::update()
        .table(Accounts::Table)
        .value(Accounts::PasswordHash, password_hash)
        .value(Accounts::Version, Expr::col(Accounts::Version).add(1))
        .and_where(Expr::col(Accounts::Id).eq(id))
        .to_owned();
    tx.execute(&update).await
}

/// Locks every active employee's row (ascending ids) and counts them, so two staff disabling
/// each other at once cannot leave nobody.
pub async fn lock_active_employees(tx: &mut Tx) -> Result<i64> {
    let select = Query::select()
        .column(Accounts::Id)
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Role).eq(Role::Employee.as_str()))
        .and_where(Expr::col(Accounts::Disabled).eq(false))
        .order_by(Accounts::Id, sea_query::Order::Asc)
        .lock(sea_query::LockType::Update)
        .to_owned();
    let rows: Vec<crate::db::dynrow::DynRow> = tx.fetch_all(&select).await?;
    Ok(i64::try_from(rows.len()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalize_and_validate() {
        assert_eq!(normalize_email("  Alice@Example.COM "), "alice@example.com");
        for good in ["a@b.co", "first.last+tag@sub.example.org"] {
            let mut errors = FieldErrors::new();
            check_email(&mut errors, good);
            assert!(errors.is_empty(), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a b@c.de",
            "a@b.co.",
            "a@@b.co",
            "x<victim@example.com>",
            "Victim <victim@example.com>",
            "\"quoted\"@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a..b@example.com",
            "a@example..com",
            "élodie@example.com",
            "a@example.com\r\nBcc: x@y.z",
        ] {
            let mut errors = FieldErrors::new();
            check_email(&mut errors, bad);
            assert!(errors.get("email").is_some(), "{bad}");
        }
    }

    #[test]
    fn usernames_are_plain() {
        for (name, ok) in [
            ("alice", true),
            ("al", false),
            ("a.b-c_d", true),
            ("<script>", false),
            ("名前です", false),
        ] {
            let mut errors = FieldErrors::new();
            check_username(&mut errors, name);
            assert_eq!(errors.is_empty(), ok, "{name}");
        }
    }
}
