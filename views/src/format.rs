//! How numbers, money and dates read on every page: one place, so they read the same everywhere.

use chrono::{DateTime, NaiveDate, Utc};

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A short figure for tight spaces (catalog cards): 950 → "950", 707000 → "707K",
/// 12966800 → "13M", 1500 → "1.5K"; `thousands` gives the exact one.
pub fn compact(n: i64) -> String {
    let (scaled, suffix) = match n.unsigned_abs() {
        a if a >= 1_000_000_000 => (n as f64 / 1e9, "B"),
        a if a >= 1_000_000 => (n as f64 / 1e6, "M"),
        a if a >= 1_000 => (n as f64 / 1e3, "K"),
        _ => return n.to_string(),
    };
    // One decimal below 10 ("1.5K"), none above ("13M"); never "10.0K".
    let text = if scaled.abs() < 9.95 {
        let one = format!("{scaled:.1}");
        one.strip_suffix(".0").map(str::to_owned).unwrap_or(one)
    } else {
        format!("{scaled:.0}")
    };
    [text.as_str(), suffix].concat()
}

/// A column name as a heading: `avg_rating` → "Average rating", `series_id` → "Series ID".
pub fn heading(name: &str) -> String {
    let words: Vec<&str> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|word| match word {
            "id" => "ID",
            "avg" => "average",
            other => other,
        })
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An average rating with one decimal: 4.25 → "4.3".
pub fn rating(avg: f64) -> String {
    format!("{avg:.1}")
}

/// Integer cents as dollars: 1999 → "$19.99", 123456 → "$1,234.56".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    [sign, "$", &dollars(cents.saturating_abs())].concat()
}

/// Integer cents as dollars without the sign, for cells under a "($)" heading:
/// 197500 → "1,975.00".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    format!("{sign}{}.{:02}", thousands(whole), abs % 100)
}

/// Integer cents as an input holds them, and as files carry them: 197500 → "1975.00".
pub fn dollars_plain(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A calendar date in full: "7 March 2024".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A short date: "7 Mar 2024".
pub fn short_date(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// A moment, to the minute, in UTC: "7 Mar 2024, 14:05 UTC".
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_figures() {
        assert_eq!(compact(950), "950");
        assert_eq!(compact(1_500), "1.5K");
        assert_eq!(compact(707_000), "707K");
        assert_eq!(compact(12_966_800), "13M");
        assert_eq!(compact(9_990), "10K");
        assert_eq!(compact(2_000_000), "2M");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_234), "-1,234");
    }

    #[test]
    fn headings_read_as_words() {
        assert_eq!(heading("avg_rating"), "Average rating");
        assert_eq!(heading("series_id"), "Series ID");
        assert_eq!(heading("platform_avg"), "Platform average");
        assert_eq!(heading("total_viewers"), "Total viewers");
        assert_eq!(heading("tier"), "Tier");
        assert_eq!(heading(""), "");
    }

    #[test]
    fn money_is_dollars_and_cents() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(1999), "$19.99");
        assert_eq!(money(123_456), "$1,234.56");
        assert_eq!(money(-250), "-$2.50");
        assert_eq!(dollars(197_500), "1,975.00");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars_plain(197_500), "1975.00");
        assert_eq!(dollars_plain(1_234_567_890), "12345678.90");
        assert_eq!(dollars_plain(0), "0.00");
    }

    #[test]
    fn dates_read_naturally() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 7).unwrap_or_default();
        assert_eq!(long_date(date), "7 March 2024");
        assert_eq!(short_date(date), "7 Mar 2024");
        assert_eq!(rating(3.0), "3.0");
        assert_eq!(rating(4.26), "4.3");
    }
}
