//! Values of the described columns: parsed from form text (with the message shown beside the
//! field when it does not parse), read back from database rows, bound into statements, and
//! written as text for inputs and the audit log.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::entity::{Column, ColumnKind};
use super::money;
use crate::auth::accounts;
use crate::db::dynrow::Raw;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    Timestamp(DateTime<Utc>),
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text an input shows for this value (and the audit log records).
    pub fn input_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(n) => n.to_string(),
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
            Value::Timestamp(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// The value bound into a statement for a column of `kind`.
    pub fn to_sql(&self, kind: ColumnKind) -> sea_query::Value {
        match (self, kind) {
            (Value::Int(n), _) => (*n).into(),
            (Value::Text(s), _) => s.clone().into(),
            (Value::Date(d), _) => (*d).into(),
            (Value::Bool(b), _) => (*b).into(),
            (Value::Timestamp(at), _) => (*at).into(),
            (Value::Null, ColumnKind::Date) => sea_query::Value::ChronoDate(None),
            (Value::Null, ColumnKind::Bool) => sea_query::Value::Bool(None),
            (Value::Null, ColumnKind::Timestamp) => sea_query::Value::ChronoDateTimeUtc(None),
            (
                Value::Null,
                ColumnKind::Int { .. }
                | ColumnKind::Count
                | ColumnKind::Cents { .. }
                | ColumnKind::Ref(_),
            ) => sea_query::Value::BigInt(None),
            (
                Value::Null,
                ColumnKind::Text { .. }
                | ColumnKind::Username
                | ColumnKind::Email
                | ColumnKind::Url,
            ) => sea_query::Value::String(None),
        }
    }

    /// Interprets what the database returned for a column of `kind`.
    pub fn from_raw(raw: Raw, kind: ColumnKind) -> Value {
        match (raw, kind) {
            (Raw::Null, _) => Value::Null,
            (Raw::Int(n), ColumnKind::Bool) => Value::Bool(n != 0),
            (Raw::Int(n), _) => Value::Int(n),
            (Raw::Date(d), _) => Value::Date(d),
            (Raw::Timestamp(at), _) => Value::Timestamp(at),
            (Raw::Text(text), ColumnKind::Date) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(Value::Date)
                .unwrap_or(Value::Text(text)),
            (Raw::Text(text), ColumnKind::Timestamp) => text
                .parse::<DateTime<Utc>>()
                .map(Value::Timestamp)
                .unwrap_or(Value::Text(text)),
            (Raw::Text(text), ColumnKind::Bool) => Value::Bool(text == "1" || text == "true"),
            (Raw::Text(text), _) => Value::Text(text),
            (Raw::Float(x), _) => Value::Int(x as i64),
        }
    }
}

/// Dates outside this range are typing mistakes (and MariaDB's DATE starts at year 1000).
const YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;
const MAX_URL: usize = 500;

/// The text an input (and a CSV file) shows for `value` in `column`: money in dollars
/// (`1975.00`), everything else as [`Value::input_text`].
pub fn field_text(column: &Column, value: &Value) -> String {
    match (column.kind, value) {
        (ColumnKind::Cents { .. }, Value::Int(cents)) => views::format::dollars_plain(*cents),
        _ => value.input_text(),
    }
}

/// What the empty and control-character rules leave to parse: `Err(Ok(value))` when they
/// settle it (an empty optional field), `Err(Err(message))` when they refuse it.
fn nonempty<'a>(column: &Column, typed: Option<&'a str>) -> Result<&'a str, Result<Value, String>> {
    let text = typed.unwrap_or_default().trim();
    if text.is_empty() {
        return Err(if column.required {
            Err(match column.kind {
                ColumnKind::Ref(_) => "Choose one from the list.".into(),
                _ => "Please fill this in.".into(),
            })
        } else {
            Ok(Value::Null)
        });
    }
    if text.chars().any(char::is_control) {
        return Err(Err("Control characters are not allowed.".into()));
    }
    Ok(text)
}

/// Parses whole cents typed for a money column under its `…_cents` name (scripts).
pub fn parse_cents(column: &Column, typed: Option<&str>) -> Result<Value, String> {
    let text = match nonempty(column, typed) {
        Ok(text) => text,
        Err(settled) => return settled,
    };
    match column.kind {
        ColumnKind::Cents { min } => money::parse_cents(text, min).map(Value::Int),
        _ => parse(column, Some(text)),
    }
}

/// Parses what was typed for `column` (`None`: the field was not sent). `Ok(Null)` for an
/// empty optional field; `Err` holds the message shown beside the field. Money is typed in
/// dollars. References are only parsed here; whether they exist is checked against the
/// database by `crud`.
pub fn parse(column: &Column, typed: Option<&str>) -> Result<Value, String> {
    if let ColumnKind::Bool = column.kind {
        let text = typed.unwrap_or_default().trim();
        return match text.to_ascii_lowercase().as_str() {
            "true" | "on" | "1" | "yes" => Ok(Value::Bool(true)),
            "" | "false" | "off" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err("Choose yes or no.".into()),
        };
    }
    let text = match nonempty(column, typed) {
        Ok(text) => text,
        Err(settled) => return settled,
    };
    match column.kind {
        ColumnKind::Text { max } => {
            if text.chars().count() > max {
                Err(format!("Use at most {max} characters."))
            } else {
                Ok(Value::Text(text.to_owned()))
            }
        }
        ColumnKind::Username => {
            let username = accounts::normalize_username(text);
            let mut errors = crate::validation::FieldErrors::new();
            accounts::check_username(&mut errors, &username);
            match errors.get("username") {
                Some(message) => Err(message.to_owned()),
                None => Ok(Value::Text(username)),
            }
        }
        ColumnKind::Email => {
            let email = accounts::normalize_email(text);
            let mut errors = crate::validation::FieldErrors::new();
            accounts::check_email(&mut errors, &email);
            match errors.get("email") {
                Some(message) => Err(message.to_owned()),
                None => Ok(Value::Text(email)),
            }
        }
        ColumnKind::Url => {
            let valid = text.len() <= MAX_URL
                && url::Url::parse(text)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if valid {
                Ok(Value::Text(text.to_owned()))
            } else {
                Err("Enter a web address starting with https:// (at most 500 characters).".into())
            }
        }
        ColumnKind::Int { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
            Ok(_) => Err(format!("Enter a number from {min} to {max}.")),
            Err(_) => Err("Enter a whole number.".into()),
        },
        ColumnKind::Count => match text.parse::<i64>() {
            Ok(n) if (0..=1_000_000_000_000_000).contains(&n) => Ok(Value::Int(n)),
            Ok(_) => Err("Enter a count of zero or more.".into()),
            Err(_) => Err("Enter a whole number.".into()),
        },
        ColumnKind::Cents { min } => money::parse_dollars(text, min).map(Value::Int),
        ColumnKind::Date => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if YEARS.contains(&date.year()) && text.len() == 10 => Ok(Value::Date(date)),
            Ok(_) => Err("Enter a date between 1800 and 2200.".into()),
            Err(_) => Err("Enter a date as YYYY-MM-DD.".into()),
        },
        ColumnKind::Ref(_) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Value::Int(id)),
            _ => Err("Choose one from the list.".into()),
        },
        ColumnKind::Bool | ColumnKind::Timestamp => Err("This cannot be typed.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::entity::TableIden;
    use crate::db::schema::Episodes;

    fn column(kind: ColumnKind) -> Column {
        Column::of("title", TableIden::Episodes(Episodes::Title), "Title", kind)
    }

    #[test]
    fn typed_text_parses_or_says_why_not() {
        let int = column(ColumnKind::Int { min: 1, max: 10 });
        assert_eq!(parse(&int, Some(" 7 ")), Ok(Value::Int(7)));
        assert!(parse(&int, Some("0")).is_err());
        assert!(parse(&int, Some("7.5")).is_err());
        assert!(parse(&int, Some("")).is_err(), "required");
        assert!(parse(&int.optional(), None) == Ok(Value::Null));
        let date = column(ColumnKind::Date);
        assert!(parse(&date, Some("2024-02-30")).is_err());
        assert!(parse(&date, Some("24-02-03")).is_err());
        assert!(parse(&date, Some("0001-01-01")).is_err());
        assert_eq!(
            parse(&date, Some("2024-02-29")),
            Ok(Value::Date(
                NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
            ))
        );
        let text = column(ColumnKind::Text { max: 3 });
        assert!(parse(&text, Some("abcd")).is_err());
        assert!(parse(&text, Some("a\u{0}b")).is_err());
        assert_eq!(parse(&text, Some(" éé ")), Ok(Value::Text("éé".into())));
        let cents = column(ColumnKind::Cents { min: 1 });
        assert_eq!(parse(&cents, Some("19.99")), Ok(Value::Int(1999)));
        assert!(parse(&cents, Some("0")).is_err());
        assert_eq!(parse_cents(&cents, Some("1999")), Ok(Value::Int(1999)));
        assert!(parse_cents(&cents, Some("19.99")).is_err());
        assert!(parse_cents(&cents, Some("")).is_err(), "required");
        assert_eq!(field_text(&cents, &Value::Int(197_500)), "1975.00");
        let url = column(ColumnKind::Url);
        assert!(parse(&url, Some("javascript:alert(1)")).is_err());
        assert!(parse(&url, Some("https://example.com/p.jpg")).is_ok());
        let flag = column(ColumnKind::Bool);
        assert_eq!(parse(&flag, None), Ok(Value::Bool(false)));
        assert_eq!(parse(&flag, Some("on")), Ok(Value::Bool(true)));
    }
}
