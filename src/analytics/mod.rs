//! Staff analytics (CONTRACT.md §6): the six queries, described once each, and the snapshots
//! the background worker materializes so the dashboard never aggregates per request.

pub mod queries;
pub mod table;
