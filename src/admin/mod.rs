//! What staff see and do: the overview on `/admin`, the described staff tables (`entity`,
//! `entities/`) served by one read/write path (`crud`) and the units of work of a submitted
//! form (`submit`), links between rows (`links`) and account actions (`people`).

pub mod crud;
pub mod entities;
pub mod entity;
pub mod feed;
pub mod import;
pub mod links;
pub mod money;
pub mod people;
pub mod presence;
pub mod submit;
pub mod values;

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
