//! The `regions` query: series available only in region A, only in B, or in both.

use sea_query::{Expr, Order, Query as Sql, SelectStatement, SimpleExpr, UnionType};

use super::{text_order, RegionPair};
use crate::analytics::as_integer;
use crate::analytics::table::{Cell, Rows};
use crate::db::schema::{AnalyticsAlias as A, Countries, Series, SeriesReleases};
use crate::db::Db;
use crate::error::Result;

/// The three parts of the `regions` UNION, in output order.
const AVAILABILITY: [&str; 3] = ["a_only", "b_only", "both"];

#[derive(sqlx::FromRow)]
struct RegionsRow {
    kind: i64,
    series_id: i64,
    title: String,
}

/// Whether the outer `series` row is released in some country of `region` (a bound value,
/// compared as the database compares text).
pub(super) fn available_in(region: &str) -> SimpleExpr {
    Expr::exists(
        Sql::select()
            .expr(Expr::val(1))
            .from(SeriesReleases::Table)
            .inner_join(
                Countries::Table,
                Expr::col((Countries::Table, Countries::Id))
                    .equals((SeriesReleases::Table, SeriesReleases::CountryId)),
            )
            .and_where(
                Expr::col((SeriesReleases::Table, SeriesReleases::SeriesId))
                    .equals((Series::Table, Series::Id)),
            )
            .and_where(Expr::col((Countries::Table, Countries::Region)).eq(region))
            .to_owned(),
    )
}

/// `a_only` ∪ `b_only` ∪ `both`: one SELECT per part with its EXISTS conditions; `kind`
/// (1, 2, 3) orders the parts and names them in Rust.
pub(super) fn regions_statement(regions: &RegionPair) -> SelectStatement {
    let part = |kind: i64, in_a: bool, in_b: bool| -> SelectStatement {
        let a = available_in(&regions.a);
        let b = available_in(&regions.b);
        Sql::select()
            .expr_as(as_integer(Expr::val(kind)), A::Kind)
            .expr_as(Expr::col((Series::Table, Series::Id)), A::SeriesId)
            .expr_as(Expr::col((Series::Table, Series::Title)), A::Title)
            .from(Series::Table)
            .and_where(if in_a { a } else { a.not() })
            .and_where(if in_b { b } else { b.not() })
            .to_owned()
    };
    part(1, true, false)
        .union(UnionType::All, part(2, false, true))
        .union(UnionType::All, part(3, true, true))
        .order_by(A::Kind, Order::Asc)
        .order_by(A::Title, Order::Asc)
        .order_by(A::SeriesId, Order::Asc)
        .to_owned()
}

pub(super) async fn regions_query(db: &Db, regions: &RegionPair) -> Result<Rows> {
    let mut rows: Vec<RegionsRow> = db.fetch_all(&regions_statement(regions)).await?;
    rows.sort_by(|x, y| {
        x.kind
            .cmp(&y.kind)
            .then_with(|| text_order(&x.title, &y.title))
            .then(x.series_id.cmp(&y.series_id))
    });
    rows.into_iter()
        .map(|row| {
            let label = usize::try_from(row.kind - 1)
                .ok()
                .and_then(|i| AVAILABILITY.get(i))
                .ok_or_else(|| crate::error::Error::internal("regions: unknown part"))?;
            Ok(vec![
                Cell::text(*label),
                Cell::Int(row.series_id),
                Cell::Text(row.title),
            ])
        })
        .collect()
}
