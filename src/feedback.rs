//! Viewers' ratings and reviews of series (the `feedback` table).

use sea_query::{Expr, Func, Order, Query};

use crate::db::schema::{Accounts, Computed, Feedback};
use crate::db::Db;
use crate::error::Result;

#[derive(Debug, sqlx::FromRow)]
pub struct ReviewRow {
    pub username: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// The newest reviews of a series (at most 50), with their authors.
pub async fn for_series(db: &Db, series_id: i64) -> Result<Vec<ReviewRow>> {
    let query = Query::select()
        .column((Accounts::Table, Accounts::Username))
        .expr_as(
            Func::cast_as(
                Expr::col((Feedback::Table, Feedback::Rating)),
                Computed::Signed,
            ),
            Feedback::Rating,
        )
        .column((Feedback::Table, Feedback::Body))
        .column((Feedback::Table, Feedback::RecordedAt))
        .from(Feedback::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((Feedback::Table, Feedback::AccountId)),
        )
        .and_where(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series_id))
        .order_by((Feedback::Table, Feedback::RecordedAt), Order::Desc)
        .limit(50)
        .to_owned();
    db.fetch_all(&query).await
}
