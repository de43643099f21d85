//! What staff see and do: the overview on `/admin` (and, as they land, the staff tables and
//! the audit log).

pub mod audit;

use crate::db::schema::{Accounts, Episodes, Feedback, ProductionHouses, Series};
use crate::db::Db;
use crate::error::Result;

/// How big the catalog is, for the staff overview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    pub series: i64,
    pub episodes: i64,
    pub production_houses: i64,
    pub accounts: i64,
    pub reviews: i64,
}

pub async fn counts(db: &Db) -> Result<Counts> {
    Ok(Counts {
        series: db.count_rows(Series::Table).await?,
        episodes: db.count_rows(Episodes::Table).await?,
        production_houses: db.count_rows(ProductionHouses::Table).await?,
        accounts: db.count_rows(Accounts::Table).await?,
        reviews: db.count_rows(Feedback::Table).await?,
    })
}
