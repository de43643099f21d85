//! What a committed unit of work means beyond its rows: jobs to wake up for and data whose
//! caches went stale. A unit declares them on its `Tx`; the commit hands them to the one
//! [`CommitListener`] the application installed, so no writer has to remember them.

use std::collections::BTreeSet;

/// Kinds of data a write can change, for the caches that depend on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touched {
    /// Series, episodes, schedules, houses, producers, contracts and their links.
    Catalog,
    /// Reviews (ratings and their text).
    Reviews,
    /// Reference data: genres, languages, countries.
    Reference,
}

/// The effects a committed transaction declared.
#[derive(Debug, Default)]
pub struct Effects {
    touched: Vec<Touched>,
    job_types: Vec<&'static str>,
    /// Series whose page read model must be refreshed before COMMIT (`series_pages`).
    stale_pages: BTreeSet<i64>,
    /// Series whose first page of reviews changed (`series_pages.reviews`), refreshed before
    /// COMMIT after the documents.
    stale_reviews: BTreeSet<i64>,
}

impl Effects {
    pub fn touch(&mut self, what: Touched) {
        if !self.touched.contains(&what) {
            self.touched.push(what);
        }
    }

    pub fn series_page_stale(&mut self, series_id: i64) {
        self.stale_pages.insert(series_id);
    }

    pub fn series_reviews_stale(&mut self, series_id: i64) {
        self.stale_reviews.insert(series_id);
    }

    /// Hands over the series marked stale so far (in id order, the order they are locked).
    pub fn take_stale_pages(&mut self) -> Vec<i64> {
        std::mem::take(&mut self.stale_pages).into_iter().collect()
    }

    /// Hands over the series whose reviews changed (in id order, the order they are locked).
    pub fn take_stale_reviews(&mut self) -> Vec<i64> {
        std::mem::take(&mut self.stale_reviews)
            .into_iter()
            .collect()
    }

    pub fn queued(&mut self, job_type: &'static str) {
        if !self.job_types.contains(&job_type) {
            self.job_types.push(job_type);
        }
    }

    /// What the unit changed (each kind once).
    pub fn touched(&self) -> &[Touched] {
        &self.touched
    }

    /// The types of the jobs it queued (each once).
    pub fn job_types(&self) -> &[&'static str] {
        &self.job_types
    }

    pub fn is_empty(&self) -> bool {
        self.touched.is_empty() && self.job_types.is_empty()
    }
}

/// Acts on the effects of each committed transaction, in this process. Called after COMMIT
/// succeeded, never for a rolled-back or re-run attempt; it must not block.
pub trait CommitListener: Send + Sync + 'static {
    fn committed(&self, effects: &Effects);
}
