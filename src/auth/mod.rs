//! Who someone is and what they may do: accounts, passwords, sessions, reset tokens and the
//! random tokens and secrets behind them.

pub mod accounts;
pub mod credentials;
pub mod deletion;
pub mod lockout;
pub mod password;
pub mod registration;
pub mod resets;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod totp;
pub mod two_factor;

/// An account's role. Stored as `customer` / `employee`; compared only as this enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Customer,
    Employee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Employee => "employee",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "customer" => Some(Role::Customer),
            "employee" => Some(Role::Employee),
            _ => None,
        }
    }
}

/// Lets row structs decode the column straight into a [`Role`] (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Role::parse(&text).ok_or(UnknownRole)
    }
}

/// A role column holding something other than `customer` or `employee`.
#[derive(Debug, thiserror::Error)]
#[error("unknown account role")]
pub struct UnknownRole;

/// The signed-in account behind a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub session_id: i64,
    pub account_id: i64,
    pub username: String,
    pub role: Role,
    /// When this session's owner last typed their password (sign-in or re-authentication).
    pub password_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Two-factor sign-in is on for this account.
    pub has_second_factor: bool,
}

impl CurrentUser {
    /// Whether the password was typed within `window` before `now`.
    pub fn authenticated_within(
        &self,
        window: chrono::Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.password_at.is_some_and(|at| now - at <= window)
    }
}
