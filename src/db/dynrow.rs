//! Rows whose shape is known only at run time (the staff tables are described, not typed):
//! each column decodes into the first of a few plain types that fits, the same on both
//! backends; the caller interprets it by the column's description.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::mysql::MySqlRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Decode, FromRow, Type};

/// One column's value as the database returned it.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Null,
    Int(i64),
    Text(String),
    /// MySQL `DATE` (SQLite stores dates as text).
    Date(NaiveDate),
    /// MySQL `DATETIME` (SQLite stores timestamps as text).
    Timestamp(DateTime<Utc>),
    Float(f64),
}

/// A whole row, columns in SELECT order.
#[derive(Clone, Debug, PartialEq)]
pub struct DynRow(pub Vec<Raw>);

fn try_as<'r, R, T>(row: &'r R, index: usize) -> Option<T>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get::<T, usize>(index).ok()
}

fn decode<'r, R>(row: &'r R) -> Result<DynRow, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    f64: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    R::Database: Database,
{
    let mut values = Vec::with_capacity(row.len());
    for index in 0..row.len() {
        let value = if matches!(try_as::<R, Option<i64>>(row, index), Some(None)) {
            Raw::Null
        } else if let Some(n) = try_as::<R, i64>(row, index) {
            Raw::Int(n)
        } else if let Some(text) = try_as::<R, String>(row, index) {
            Raw::Text(text)
        } else if let Some(date) = try_as::<R, NaiveDate>(row, index) {
            Raw::Date(date)
        } else if let Some(at) = try_as::<R, DateTime<Utc>>(row, index) {
            Raw::Timestamp(at)
        } else if let Some(x) = try_as::<R, f64>(row, index) {
            Raw::Float(x)
        } else {
            return Err(sqlx::Error::ColumnDecode {
                index: index.to_string(),
                source: "a column of a type the staff tables do not handle".into(),
            });
        };
        values.push(value);
    }
    Ok(DynRow(values))
}

/// A whole row with its column names (as the database names them), for rows copied whole:
/// the snapshot an Undo restores (`admin::crud::undo`).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedRow(pub Vec<(String, Raw)>);

fn decode_named<'r, R>(row: &'r R) -> Result<NamedRow, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    f64: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    R::Database: Database,
{
    use sqlx::{Column, TypeInfo, ValueRef};
    let DynRow(mut values) = decode(row)?;
    // A copy must keep floating-point values as such: SQLite would also read a REAL as a
    // Julian-day timestamp, which `decode` tries first.
    for (index, value) in values.iter_mut().enumerate() {
        let raw = row.try_get_raw(index)?;
        let float = raw.type_info().name().eq_ignore_ascii_case("REAL")
            || raw.type_info().name().eq_ignore_ascii_case("DOUBLE")
            || raw.type_info().name().eq_ignore_ascii_case("FLOAT");
        if float && !matches!(value, Raw::Null | Raw::Float(_)) {
            if let Some(x) = try_as::<R, f64>(row, index) {
                *value = Raw::Float(x);
            }
        }
    }
    let names = row.columns().iter().map(|c| c.name().to_owned());
    Ok(NamedRow(names.zip(values).collect()))
}

impl<'r> FromRow<'r, SqliteRow> for NamedRow {
    fn from_row(row: &'r SqliteRow) -> Result<Self, sqlx::Error> {
        decode_named(row)
    }
}

impl<'r> FromRow<'r, MySqlRow> for NamedRow {
    fn from_row(row: &'r MySqlRow) -> Result<Self, sqlx::Error> {
        decode_named(row)
    }
}

impl<'r> FromRow<'r, SqliteRow> for DynRow {
    fn from_row(row: &'r SqliteRow) -> Result<Self, sqlx::Error> {
        decode(row)
    }
}

impl<'r> FromRow<'r, MySqlRow> for DynRow {
    fn from_row(row: &'r MySqlRow) -> Result<Self, sqlx::Error> {
        decode(row)
    }
}
