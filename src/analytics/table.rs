//! The shape every analytics result shares: rows of typed cells. The six queries produce it,
//! snapshots store it (as JSON), and the dashboard, the CSV export and the tests read it, so
//! a number is formatted in exactly one place.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One value of a result row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    /// A count, an id, a number of viewers.
    Int(i64),
    /// A two-decimal figure (an average, a percentile) held exactly, in hundredths.
    Hundredths(i64),
    Text(String),
    /// A calendar day (pages write it the house way, files as `YYYY-MM-DD`).
    Date(NaiveDate),
    /// A moment to the minute (pages write it the house way, files as `YYYY-MM-DD HH:MM`, UTC).
    Moment(DateTime<Utc>),
    /// No value (e.g. the average rating of a series nobody rated).
    Empty,
}

/// The rows of one result, in the query's own order.
pub type Rows = Vec<Vec<Cell>>;

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    /// `sum / count` rounded half up to two decimals, computed in integers so both databases
    /// (which round floating point and DECIMAL differently) print the same figure.
    /// `Empty` when `count` is zero.
    pub fn average(sum: i64, count: i64) -> Self {
        if count <= 0 {
            return Cell::Empty;
        }
        let scaled = i128::from(sum) * 200;
        let denominator = i128::from(count) * 2;
        let rounded = (scaled + i128::from(count) * scaled.signum()) / denominator;
        Cell::Hundredths(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// A fraction such as a percentile (0–1), rounded half away from zero to two decimals.
    pub fn fraction(value: f64) -> Self {
        if value.is_finite() {
            Cell::Hundredths((value * 100.0).round() as i64)
        } else {
            Cell::Empty
        }
    }

    /// The cell as CSV files print it: `4.33`, `12`, text as is, dates in ISO form, empty as
    /// "". Pages write numbers and dates their own way (`web::analytics`).
    pub fn display(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Hundredths(h) => {
                let sign = if *h < 0 { "-" } else { "" };
                let abs = h.unsigned_abs();
                format!("{sign}{}.{:02}", abs / 100, abs % 100)
            }
            Cell::Text(s) => s.clone(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Moment(at) => at.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// Whether the cell is a number (tables align numbers to the right).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Hundredths(_))
    }

    /// Sort order for a column: numbers by value, text case-insensitively, empty cells last.
    pub fn compare(&self, other: &Cell) -> Ordering {
        fn value(cell: &Cell) -> Option<i128> {
            match cell {
                Cell::Int(n) => Some(i128::from(*n) * 100),
                Cell::Hundredths(h) => Some(i128::from(*h)),
                _ => None,
            }
        }
        match (self, other) {
            (Cell::Empty, Cell::Empty) => Ordering::Equal,
            (Cell::Empty, _) => Ordering::Greater,
            (_, Cell::Empty) => Ordering::Less,
            (Cell::Text(a), Cell::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
            (Cell::Date(a), Cell::Date(b)) => a.cmp(b),
            (Cell::Moment(a), Cell::Moment(b)) => a.cmp(b),
            _ => match (value(self), value(other)) {
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        }
    }
}

/// Sorts `rows` by `column` (stable, so ties keep the query's own order).
pub fn sort_rows(rows: &mut [Vec<Cell>], column: usize, descending: bool) {
    rows.sort_by(|a, b| {
        let ordering = match (a.get(column), b.get(column)) {
            (Some(a), Some(b)) => a.compare(b),
            _ => Ordering::Equal,
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_up_in_integers() {
        assert_eq!(Cell::average(13, 3).display(), "4.33");
        assert_eq!(Cell::average(14, 3).display(), "4.67");
        assert_eq!(Cell::average(9, 8).display(), "1.13"); // 1.125 → 1.13
        assert_eq!(Cell::average(5, 1).display(), "5.00");
        assert_eq!(Cell::average(0, 0), Cell::Empty);
    }

    #[test]
    fn fractions_print_two_decimals() {
        assert_eq!(Cell::fraction(0.0).display(), "0.00");
        assert_eq!(Cell::fraction(1.0).display(), "1.00");
        assert_eq!(Cell::fraction(2.0 / 3.0).display(), "0.67");
        assert_eq!(Cell::Hundredths(-5).display(), "-0.05");
    }

    #[test]
    fn numbers_sort_by_value_and_empty_cells_last() {
        let mut cells = vec![
            Cell::Empty,
            Cell::Hundredths(250),
            Cell::Int(2),
            Cell::Int(10),
        ];
        cells.sort_by(Cell::compare);
        assert_eq!(
            cells,
            vec![
                Cell::Int(2),
                Cell::Hundredths(250),
                Cell::Int(10),
                Cell::Empty
            ]
        );
    }
}
