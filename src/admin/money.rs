//! Money as staff type it: dollars and cents (`19.75`, `1,975.00`, `$1975`), read into
//! integer cents without ever passing through floating point.

/// The largest amount a form accepts: anything above is a typing mistake.
pub const MAX_CENTS: i64 = 1_000_000_000;

/// Reads a dollar amount into cents, at least `min` cents. `Err` is the message shown beside
/// the field.
pub fn parse_dollars(text: &str, min: i64) -> Result<i64, String> {
    let text = text.trim();
    let text = text.strip_prefix('$').map_or(text, str::trim_start);
    if text.starts_with('-') {
        return Err(not_negative(min));
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let whole = whole_dollars(whole)?;
    let cents = match fraction {
        None | Some("") if whole.is_empty() => return Err(SHAPE.into()),
        None | Some("") => 0,
        Some(digits) if !digits.bytes().all(|b| b.is_ascii_digit()) => return Err(SHAPE.into()),
        Some(digits) if digits.len() > 2 => {
            return Err("Use at most two decimals (whole cents).".into())
        }
        Some(digits) => {
            let n = digits_value(digits);
            if digits.len() == 1 {
                n * 10
            } else {
                n
            }
        }
    };
    // Longer than 10,000,000 in digits: too large, and never near an overflow.
    let significant = whole.trim_start_matches('0');
    if significant.len() > 9 {
        return Err(too_large());
    }
    let total = digits_value(significant) * 100 + cents;
    check_cents(total, min)
}

/// Checks cents typed as a whole number (the `…_cents` field scripts send).
pub fn parse_cents(text: &str, min: i64) -> Result<i64, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(not_negative(min));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Enter whole cents, e.g. 1999 for $19.99.".into());
    }
    if text.trim_start_matches('0').len() > 10 {
        return Err(too_large());
    }
    check_cents(digits_value(text), min)
}

const SHAPE: &str = "Enter an amount in dollars, e.g. 19.75 or 1,975.00.";

fn check_cents(cents: i64, min: i64) -> Result<i64, String> {
    if cents < min {
        Err(not_negative(min))
    } else if cents > MAX_CENTS {
        Err(too_large())
    } else {
        Ok(cents)
    }
}

fn not_negative(min: i64) -> String {
    if min > 0 {
        "Enter an amount above zero.".into()
    } else {
        "Enter an amount of zero or more.".into()
    }
}

fn too_large() -> String {
    "Enter at most 10,000,000.00 dollars.".into()
}

/// The digits of the dollars, with commas allowed only between groups of three.
fn whole_dollars(text: &str) -> Result<String, String> {
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(SHAPE.into());
    }
    if text.contains(',') {
        let mut groups = text.split(',');
        let first = groups.next().unwrap_or_default();
        let well_grouped = (1..=3).contains(&first.len()) && groups.all(|group| group.len() == 3);
        if !well_grouped {
            return Err("Put commas only between groups of three digits (1,975.00).".into());
        }
    }
    Ok(text.chars().filter(char::is_ascii_digit).collect())
}

/// The value of a run of ASCII digits short enough not to overflow (checked by the callers).
fn digits_value(digits: &str) -> i64 {
    digits
        .bytes()
        .fold(0, |n, b| n * 10 + i64::from(b.wrapping_sub(b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_parse_in_the_shapes_people_type() {
        for (typed, cents) in [
            ("19.75", 1975),
            ("1,975.00", 197_500),
            ("$1975", 197_500),
            ("$ 1,975", 197_500),
            (" 12.9 ", 1290),
            ("0.05", 5),
            (".5", 50),
            ("7.", 700),
            ("007.10", 710),
            ("10,000,000.00", MAX_CENTS),
            ("1,234,567.89", 123_456_789),
        ] {
            assert_eq!(parse_dollars(typed, 1), Ok(cents), "{typed}");
        }
        assert_eq!(parse_dollars("0", 0), Ok(0));
        assert_eq!(parse_dollars("0.00", 0), Ok(0));
    }

    #[test]
    fn dollars_that_are_not_money_say_why() {
        for typed in [
            "", ".", "$", "abc", "19.7.5", "1e3", "19,75", "1,9750", ",975", "1 975", "١٢", "NaN",
            "19.x", "0x10",
        ] {
            assert!(parse_dollars(typed, 0).is_err(), "{typed:?}");
        }
        assert!(parse_dollars("19.999", 1).is_err_and(|m| m.contains("two decimals")));
        assert!(parse_dollars("-5", 0).is_err_and(|m| m.contains("zero or more")));
        assert!(parse_dollars("$-5", 0).is_err());
        assert!(parse_dollars("-$5", 1).is_err_and(|m| m.contains("above zero")));
        assert!(parse_dollars("0", 1).is_err_and(|m| m.contains("above zero")));
        assert!(parse_dollars("0.00", 1).is_err());
        assert!(parse_dollars("10,000,000.01", 1).is_err_and(|m| m.contains("at most")));
        assert!(parse_dollars("99999999999999999999999", 1).is_err_and(|m| m.contains("at most")));
    }

    #[test]
    fn cents_stay_whole_numbers() {
        assert_eq!(parse_cents("1999", 1), Ok(1999));
        assert_eq!(parse_cents(" 0 ", 0), Ok(0));
        assert_eq!(parse_cents("1000000000", 1), Ok(MAX_CENTS));
        for typed in ["19.99", "", "1,999", "$19", "lots"] {
            assert!(parse_cents(typed, 0).is_err(), "{typed:?}");
        }
        assert!(parse_cents("0", 1).is_err());
        assert!(parse_cents("-1", 0).is_err());
        assert!(parse_cents("1000000001", 1).is_err());
        assert!(parse_cents("99999999999999999999999", 1).is_err());
    }
}
