//! One description per staff table. Adding an entity is a new file here and a line in
//! [`ALL`]; the generic path (`admin::crud`, `web::admin_tables`, `views::admin`) serves it.
//!
//! Deletes, per entity (the `dependents` of each description, in lock order):
//! - series: refused while it has contracts (business records are never destroyed by a
//!   cascade); otherwise its episodes (with their schedules), releases, genres, subtitles,
//!   dubbings, reviews and figures go with it.
//! - episodes: their schedules go with them; the series' figures follow.
//! - schedules, contracts, alliances: deleted alone.
//! - production houses: refused while they produce a series; their alliances go with them.
//! - producers: their alliances go with them.
//! - genres: removed from the series tagged with them. Languages: refused while a series is
//!   in that language; removed from subtitle and dubbing lists. Countries: refused while a
//!   series originates or is released there, or an account lives there.
//! - employees: refused for one's own account, the last active employee, and anyone with
//!   entries in the audit log (disable them instead); sessions and reset tokens go with them.
//! - customers: sessions, reset tokens and reviews go with them; the series' figures follow.

use sea_query::{Alias, Expr, Func, Query, SimpleExpr, SubQueryStatement};

use super::entity::EntityDef;
use crate::db::schema::{Computed, SqlFunction};

mod alliances;
mod contracts;
mod countries;
mod customers;
mod employees;
mod episodes;
mod genres;
mod languages;
mod people_columns;
mod producers;
mod production_houses;
mod schedules;
mod series;

pub use alliances::ALLIANCES;
pub use contracts::CONTRACTS;
pub use countries::COUNTRIES;
pub use customers::CUSTOMERS;
pub use employees::EMPLOYEES;
pub use episodes::EPISODES;
pub use genres::GENRES;
pub use languages::LANGUAGES;
pub use producers::PRODUCERS;
pub use production_houses::PRODUCTION_HOUSES;
pub use schedules::SCHEDULES;
pub use series::SERIES;

/// Every staff table, in the order the navigation lists them.
pub static ALL: [&EntityDef; 12] = [
    &SERIES,
    &EPISODES,
    &SCHEDULES,
    &PRODUCTION_HOUSES,
    &PRODUCERS,
    &ALLIANCES,
    &CONTRACTS,
    &EMPLOYEES,
    &CUSTOMERS,
    &GENRES,
    &LANGUAGES,
    &COUNTRIES,
];

pub fn find(slug: &str) -> Option<&'static EntityDef> {
    ALL.iter().copied().find(|def| def.slug == slug)
}

/// `CONCAT(…)`: a function both MariaDB and SQLite (3.44+, bundled) provide.
fn concat(parts: impl IntoIterator<Item = SimpleExpr>) -> SimpleExpr {
    Func::cust(Alias::new("CONCAT")).args(parts).into()
}

/// A day column as the staff area writes days (`views::format::short_date`: "7 Mar 2024"),
/// built in SQL because labels are also searched there. Both databases hand the day over as
/// `YYYY-MM-DD` text (SQLite stores it so; MariaDB converts a DATE so for `SUBSTR`).
fn short_date(day: SimpleExpr) -> SimpleExpr {
    const MONTHS: [(&str, &str); 12] = [
        ("01", "Jan"),
        ("02", "Feb"),
        ("03", "Mar"),
        ("04", "Apr"),
        ("05", "May"),
        ("06", "Jun"),
        ("07", "Jul"),
        ("08", "Aug"),
        ("09", "Sep"),
        ("10", "Oct"),
        ("11", "Nov"),
        ("12", "Dec"),
    ];
    let piece = |start: i32, len: i32| -> SimpleExpr {
        Func::cust(SqlFunction::Substr)
            .args([day.clone(), Expr::val(start).into(), Expr::val(len).into()])
            .into()
    };
    let month = MONTHS
        .iter()
        .fold(sea_query::CaseStatement::new(), |case, (number, name)| {
            case.case(piece(6, 2).eq(*number), *name)
        });
    concat([
        Func::cast_as(piece(9, 2), Computed::Signed).into(),
        Expr::val(" ").into(),
        month.finally("").into(),
        Expr::val(" ").into(),
        piece(1, 4),
    ])
}

/// `(SELECT column FROM table WHERE table.id = outer_fk)`.
fn lookup(
    table: impl sea_query::IntoTableRef,
    column: SimpleExpr,
    id: SimpleExpr,
    outer_fk: SimpleExpr,
) -> SimpleExpr {
    let select = Query::select()
        .expr(column)
        .from(table)
        .and_where(Expr::expr(id).eq(outer_fk))
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::entity::ColumnKind;
    use sea_query::Iden;

    #[test]
    fn form_fields_are_the_column_names() {
        for def in ALL {
            for column in def.columns {
                assert_eq!(column.col.to_string(), column.name, "{}", def.slug);
            }
            for name in def.filters {
                assert!(def.column(name).is_some(), "{}: filter {name}", def.slug);
            }
            for unique in def.unique {
                for name in unique.columns {
                    assert!(def.column(name).is_some(), "{}: unique {name}", def.slug);
                }
            }
            for rule in def.rules {
                assert!(def.column(rule.later).is_some() && def.column(rule.earlier).is_some());
            }
            for child in def.children {
                let (_, fk) = child.entity.column(child.fk).expect("child fk");
                assert!(matches!(fk.kind, ColumnKind::Ref(target) if target.slug == def.slug));
            }
            let sort = def.default_sort.trim_start_matches('-');
            assert!(sort == "id" || def.column(sort).is_some_and(|(_, c)| c.sortable));
        }
    }
}
