//! Validation results shared by every form: a message per field, safe to show beside it.

/// Years a date filter may name: MariaDB's DATE and DATETIME store no others (chrono reads
/// `-5-01-01` and `99999-01-01` too), so a filter outside them is a 400, not a failed query.
pub const STORABLE_YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// Messages keyed by the form field they belong to (the first message per field wins).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .map(|(name, message)| (*name, message.as_str()))
    }

    /// `Ok(value)` when nothing was wrong, else these errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}
