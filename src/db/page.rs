//! Paging: a validated page number and size, so a non-number, zero, negative or huge page
//! never reaches SQL.

use crate::error::{Error, Result};

/// A validated page request: a number from 1 and a size within bounds, so a non-number,
/// zero, negative or huge page never reaches SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub const MAX_NUMBER: u32 = 10_000;
    pub const MAX_SIZE: u32 = 100;

    pub fn parse(number: Option<&str>, size: Option<&str>, default_size: u32) -> Result<Self> {
        let number = match number.map(str::trim).filter(|s| !s.is_empty()) {
            None => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=Self::MAX_NUMBER).contains(&n) => n,
                _ => {
                    return Err(Error::BadRequest(
                        "page must be a whole number from 1 to 10000".into(),
                    ))
                }
            },
        };
        let size = match size.map(str::trim).filter(|s| !s.is_empty()) {
            None => default_size,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=Self::MAX_SIZE).contains(&n) => n,
                _ => {
                    return Err(Error::BadRequest(
                        "per_page must be a whole number from 1 to 100".into(),
                    ))
                }
            },
        };
        Ok(Self { number, size })
    }

    pub fn offset(self) -> u64 {
        u64::from(self.number - 1) * u64::from(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_rejects_what_sql_must_never_see() {
        assert_eq!(
            Page::parse(None, None, 24).ok(),
            Some(Page {
                number: 1,
                size: 24
            })
        );
        assert_eq!(
            Page::parse(Some("3"), Some("10"), 24)
                .ok()
                .map(Page::offset),
            Some(20)
        );
        for bad in [
            "0",
            "-1",
            "abc",
            "1e9",
            "99999999999999999999",
            "10001",
            "2.5",
        ] {
            assert!(Page::parse(Some(bad), None, 24).is_err(), "page {bad}");
            assert!(Page::parse(None, Some(bad), 24).is_err(), "per_page {bad}");
        }
    }
}
