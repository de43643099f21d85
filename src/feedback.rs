//! Viewers' ratings and reviews of series (the `feedback` table): validation, the newest-first
//! pages the series page shows, and the writes. Every write updates the series' figures
//! (`catalog::stats`) in the same transaction, reading the old rating under a row lock, so
//! `series_stats` stays exact however many writers race.
//!
//! Lock order (ARCHITECTURE.md): accounts → series → feedback → series_stats → audit_log.

use chrono::{DateTime, Utc};
use sea_query::{Expr, Func, LockType, Order, Query, SelectStatement};

use crate::audit::{self, Action, FieldChange};
use crate::db::page::Page;
use crate::db::schema::{Accounts, Computed, Feedback, Series};
use crate::db::{Db, Reader, Touched, Tx};
use crate::error::{Error, Result};
use crate::series_stats;
use crate::validation::FieldErrors;

/// Longest review text, in characters (not bytes), as the schema's CHECK says.
pub const MAX_BODY_CHARS: usize = 400;
/// Reviews per page on the series page.
pub const REVIEWS_PER_PAGE: u32 = 10;

/// A review as typed, validated: 1–5 stars and at most 400 characters of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewInput {
    pub rating: i64,
    pub body: String,
}

/// Checks a review form. The body's line breaks are stored as `\n` (browsers send `\r\n`),
/// so the count matches what the visitor saw in the text box. Returns what to store, or the
/// messages per field (`rating`, `body`).
pub fn validate(rating: &str, body: &str) -> std::result::Result<ReviewInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let rating = match rating.trim().parse::<i64>() {
        Ok(stars) if (1..=5).contains(&stars) => stars,
        _ => {
            errors.add("rating", "Choose from 1 to 5 stars.");
            0
        }
    };
    let body = normalize_body(body);
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        errors.add(
            "body",
            [
                "Use at most 400 characters (this has ",
                &chars.to_string(),
                ").",
            ]
            .concat(),
        );
    } else if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.add("body", "Control characters are not allowed.");
    }
    errors.into_result(ReviewInput { rating, body })
}

/// Trims the ends and turns `\r\n` (and lone `\r`) into `\n`.
pub fn normalize_body(body: &str) -> String {
    body.trim().replace("\r\n", "\n").replace('\r', "\n")
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct ReviewRow {
    pub account_id: i64,
    pub username: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// One page of a series' reviews, newest first.
#[derive(Clone, Debug)]
pub struct ReviewsPage {
    pub rows: Vec<ReviewRow>,
    pub page: Page,
    pub has_next: bool,
}

fn select_reviews() -> SelectStatement {
    Query::select()
        .column((Feedback::Table, Feedback::AccountId))
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
        .to_owned()
}

/// A page of a series' reviews, newest first (ties in a fixed order).
pub async fn for_series(db: &mut Reader, series_id: i64, page: Page) -> Result<ReviewsPage> {
    let mut query = select_reviews();
    query.and_where(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series_id));
    let query = newest_first(&mut query)
        // One extra row tells whether a next page exists.
        .limit(u64::from(page.size) + 1)
        .offset(page.offset())
        .to_owned();
    let rows: Vec<ReviewRow> = db.fetch_all(&query).await?;
    Ok(ReviewsPage::from_rows(rows, page))
}

impl ReviewsPage {
    /// `page` from its rows read with one extra, which tells whether a next page exists.
    pub fn from_rows(mut rows: Vec<ReviewRow>, page: Page) -> ReviewsPage {
        let has_next = rows.len() > page.size as usize;
        rows.truncate(page.size as usize);
        ReviewsPage {
            rows,
            page,
            has_next,
        }
    }
}

/// The series page's order of reviews: newest first, ties in a fixed order. The kept first
/// page (`newest_locked`) and the pages read live must agree on it.
fn newest_first(select: &mut SelectStatement) -> &mut SelectStatement {
    select
        .order_by((Feedback::Table, Feedback::RecordedAt), Order::Desc)
        .order_by((Feedback::Table, Feedback::AccountId), Order::Desc)
}

/// A review without its author's name, as read under a lock for the series page's read
/// model (`series_pages::refresh_reviews`).
#[derive(sqlx::FromRow)]
pub struct NewestReview {
    pub account_id: i64,
    pub rating: i64,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// The `n` newest reviews of `series_id` in the series page's order, read with row locks so
/// they are the latest committed ones even on MariaDB, whose plain reads in a transaction see
/// its older snapshot (SQLite's transaction holds the write lock). Only `feedback` is locked:
/// locking the reviewers' accounts here, after the series, would break the house order.
pub async fn newest_locked(tx: &mut Tx, series_id: i64, n: u64) -> Result<Vec<NewestReview>> {
    let mut query = Query::select();
    query
        .column((Feedback::Table, Feedback::AccountId))
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
        .and_where(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series_id));
    let query = newest_first(&mut query)
        .limit(n)
        .lock(LockType::Update)
        .to_owned();
    tx.fetch_all(&query).await
}

#[derive(sqlx::FromRow)]
struct Username {
    id: i64,
    username: String,
}

/// The usernames of `account_ids` as this transaction sees them (a plain read: usernames never
/// change, but on MariaDB an account created after the transaction's snapshot is missing).
pub async fn usernames(
    tx: &mut Tx,
    account_ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>> {
    let query = Query::select()
        .columns([Accounts::Id, Accounts::Username])
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Id).is_in(account_ids))
        .to_owned();
    let rows: Vec<Username> = tx.fetch_all(&query).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}

/// Which reviews the staff review list shows.
#[derive(Clone, Debug, Default)]
pub struct ReviewFilter {
    /// Text searched in the review, the series' title and the reviewer's username.
    pub q: String,
    pub series_id: Option<i64>,
    pub rating: Option<i64>,
}

/// A review as the staff list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffReviewRow {
    pub series_id: i64,
    pub title: String,
    pub account_id: i64,
    pub username: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ReviewCount {
    n: i64,
}

/// One page of every review matching `filter`, newest first, and how many match in all.
pub async fn for_staff(
    db: &Db,
    filter: &ReviewFilter,
    page: Page,
) -> Result<(Vec<StaffReviewRow>, i64)> {
    let mut cond = sea_query::Cond::all();
    if let Some(series_id) = filter.series_id {
        cond = cond.add(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series_id));
    }
    if let Some(rating) = filter.rating {
        cond = cond.add(Expr::col((Feedback::Table, Feedback::Rating)).eq(rating));
    }
    let q = filter.q.trim();
    if !q.is_empty() {
        let like = || sea_query::LikeExpr::new(crate::catalog::contains_pattern(q)).escape('\\');
        cond = cond.add(
            sea_query::Cond::any()
                .add(Expr::col((Feedback::Table, Feedback::Body)).like(like()))
                .add(Expr::col((Series::Table, Series::Title)).like(like()))
                .add(Expr::col((Accounts::Table, Accounts::Username)).like(like())),
        );
    }
    let joined = |select: &mut SelectStatement| {
        select
            .from(Feedback::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((Feedback::Table, Feedback::AccountId)),
            )
            .inner_join(
                Series::Table,
                Expr::col((Series::Table, Series::Id))
                    .equals((Feedback::Table, Feedback::SeriesId)),
            )
            .cond_where(cond.clone());
    };
    let mut select = Query::select();
    select
        .column((Feedback::Table, Feedback::SeriesId))
        .column((Series::Table, Series::Title))
        .column((Feedback::Table, Feedback::AccountId))
        .column((Accounts::Table, Accounts::Username))
        .expr_as(
            Func::cast_as(
                Expr::col((Feedback::Table, Feedback::Rating)),
                Computed::Signed,
            ),
            Feedback::Rating,
        )
        .column((Feedback::Table, Feedback::Body))
        .column((Feedback::Table, Feedback::RecordedAt));
    joined(&mut select);
    select
        .order_by((Feedback::Table, Feedback::RecordedAt), Order::Desc)
        .order_by((Feedback::Table, Feedback::SeriesId), Order::Desc)
        .order_by((Feedback::Table, Feedback::AccountId), Order::Desc)
        .limit(u64::from(page.size))
        .offset(page.offset());
    let rows: Vec<StaffReviewRow> = db.fetch_all(&select).await?;
    let mut count = Query::select();
    count.expr_as(
        Func::count(Expr::col((Feedback::Table, Feedback::SeriesId))),
        Computed::Count,
    );
    joined(&mut count);
    let total = db
        .fetch_optional::<ReviewCount>(&count)
        .await?
        .map_or(0, |c| c.n);
    Ok((rows, total))
}

/// The review `account_id` wrote of `series_id`, if any (to fill the form for an edit).
pub async fn find(db: &Db, series_id: i64, account_id: i64) -> Result<Option<ReviewRow>> {
    let query = select_reviews()
        .and_where(Expr::col((Feedback::Table, Feedback::SeriesId)).eq(series_id))
        .and_where(Expr::col((Feedback::Table, Feedback::AccountId)).eq(account_id))
        .to_owned();
    db.fetch_optional(&query).await
}

/// A review on its author's account page: which series, and what they gave it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnReviewRow {
    pub series_id: i64,
    pub title: String,
    pub rating: i64,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// How many of one's reviews the account page lists (newest first).
pub const OWN_REVIEWS_SHOWN: u64 = 100;

/// The account's reviews, newest first, at most [`OWN_REVIEWS_SHOWN`] (the primary key's
/// `account_id` half is not its first column, so this walks `feedback`'s account index).
pub async fn by_account(db: &Db, account_id: i64) -> Result<Vec<OwnReviewRow>> {
    let query = Query::select()
        .column((Feedback::Table, Feedback::SeriesId))
        .column((Series::Table, Series::Title))
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
            Series::Table,
            Expr::col((Series::Table, Series::Id)).equals((Feedback::Table, Feedback::SeriesId)),
        )
        .and_where(Expr::col((Feedback::Table, Feedback::AccountId)).eq(account_id))
        .order_by((Feedback::Table, Feedback::RecordedAt), Order::Desc)
        .order_by((Feedback::Table, Feedback::SeriesId), Order::Desc)
        .limit(OWN_REVIEWS_SHOWN)
        .to_owned();
    db.fetch_all(&query).await
}

#[derive(sqlx::FromRow)]
struct IdRow {
    #[allow(dead_code)]
    id: i64,
}

#[derive(sqlx::FromRow)]
struct RatingRow {
    rating: i64,
    body: String,
}

/// Locks the parent rows (account, then series: the house order) and checks both still
/// exist. The locks are exclusive because MariaDB has no `FOR SHARE`; they cost nothing extra,
/// since writes to one series' reviews queue on its `series_stats` row anyway, and taking
/// them first means two first reviews racing queue here instead of deadlocking on inserts.
async fn lock_parents(tx: &mut Tx, series_id: i64, account_id: i64) -> Result<()> {
    let account = Query::select()
        .column(Accounts::Id)
        .from(Accounts::Table)
        .and_where(Expr::col(Accounts::Id).eq(account_id))
        .lock(LockType::Update)
        .to_owned();
    if tx.fetch_optional::<IdRow>(&account).await?.is_none() {
        // The account was deleted meanwhile (its session was checked just before).
        return Err(Error::Forbidden);
    }
    let series = Query::select()
        .column(Series::Id)
        .from(Series::Table)
        .and_where(Expr::col(Series::Id).eq(series_id))
        .lock(LockType::Update)
        .to_owned();
    if tx.fetch_optional::<IdRow>(&series).await?.is_none() {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The current review of (series, account), read with a row lock so nobody changes it before
/// this transaction ends (SQLite ignores the clause: its transactions hold the write lock).
async fn current(tx: &mut Tx, series_id: i64, account_id: i64) -> Result<Option<RatingRow>> {
    let query = Query::select()
        .expr_as(
            Func::cast_as(Expr::col(Feedback::Rating), Computed::Signed),
            Feedback::Rating,
        )
        .column(Feedback::Body)
        .from(Feedback::Table)
        .and_where(Expr::col(Feedback::SeriesId).eq(series_id))
        .and_where(Expr::col(Feedback::AccountId).eq(account_id))
        .lock(LockType::Update)
        .to_owned();
    tx.fetch_optional(&query).await
}

/// Creates or replaces `account_id`'s review of `series_id` (one per customer and series) and
/// updates the series' figures, as one unit of work. An unknown series is
/// [`Error::NotFound`]. Returns the rating it replaced, if any.
pub async fn save(
    db: &Db,
    series_id: i64,
    account_id: i64,
    review: &ReviewInput,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    db.transaction("save a review", |tx| {
        let review = review.clone();
        Box::pin(async move { save_in(tx, series_id, account_id, &review, now).await })
    })
    .await
}

async fn save_in(
    tx: &mut Tx,
    series_id: i64,
    account_id: i64,
    review: &ReviewInput,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    lock_parents(tx, series_id, account_id).await?;
    let before = current(tx, series_id, account_id).await?.map(|r| r.rating);
    if before.is_some() {
        let update = Query::update()
            .table(Feedback::Table)
            .value(Feedback::Rating, review.rating)
            .value(Feedback::Body, review.body.clone())
            .value(Feedback::RecordedAt, now)
            .and_where(Expr::col(Feedback::SeriesId).eq(series_id))
            .and_where(Expr::col(Feedback::AccountId).eq(account_id))
            .to_owned();
        tx.execute(&update).await?;
    } else {
        let insert = Query::insert()
            .into_table(Feedback::Table)
            .columns([
                Feedback::SeriesId,
                Feedback::AccountId,
                Feedback::Rating,
                Feedback::Body,
                Feedback::RecordedAt,
            ])
            .values_panic([
                series_id.into(),
                account_id.into(),
                review.rating.into(),
                review.body.clone().into(),
                now.into(),
            ])
            .to_owned();
        tx.execute(&insert).await?;
    }
    series_stats::review_changed(tx, series_id, before, Some(review.rating)).await?;
    tx.touch(Touched::Reviews);
    Ok(before)
}

/// Removes (series, account)'s review and updates the figures. Returns the removed review's
/// rating and text, `None` when there was none.
async fn remove(tx: &mut Tx, series_id: i64, account_id: i64) -> Result<Option<RatingRow>> {
    let Some(before) = current(tx, series_id, account_id).await? else {
        return Ok(None);
    };
    let delete = Query::delete()
        .from_table(Feedback::Table)
        .and_where(Expr::col(Feedback::SeriesId).eq(series_id))
        .and_where(Expr::col(Feedback::AccountId).eq(account_id))
        .to_owned();
    tx.execute(&delete).await?;
    series_stats::review_changed(tx, series_id, Some(before.rating), None).await?;
    tx.touch(Touched::Reviews);
    Ok(Some(before))
}

/// A customer removes their own review (one unit of work). Unknown series or no review:
/// [`Error::NotFound`]. Returns the removed rating.
pub async fn remove_own(db: &Db, series_id: i64, account_id: i64) -> Result<i64> {
    db.transaction("delete one's review", |tx| {
        Box::pin(async move {
            lock_parents(tx, series_id, account_id).await?;
            remove(tx, series_id, account_id)
                .await?
                .map(|r| r.rating)
                .ok_or(Error::NotFound)
        })
    })
    .await
}

/// Staff remove anyone's review (one unit of work); the audit log keeps who, when, and what
/// was removed.
pub async fn remove_by_staff(
    db: &Db,
    series_id: i64,
    account_id: i64,
    actor_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    db.transaction("remove a review (staff)", |tx| {
        Box::pin(remove_by_staff_in(tx, series_id, account_id, actor_id, now))
    })
    .await
}

async fn remove_by_staff_in(
    tx: &mut Tx,
    series_id: i64,
    account_id: i64,
    actor_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(removed) = remove(tx, series_id, account_id).await? else {
        return Err(Error::NotFound);
    };
    let entry = audit::Entry {
        actor_id,
        action: Action::Delete,
        entity: "feedback",
        entity_id: [series_id.to_string(), account_id.to_string()].join("/"),
        changes: vec![
            FieldChange {
                field: "rating".into(),
                before: Some(removed.rating.to_string()),
                after: None,
            },
            FieldChange {
                field: "body".into(),
                before: Some(removed.body),
                after: None,
            },
        ],
        row_version: None,
    };
    audit::record(tx, &entry, now).await
}

#[derive(sqlx::FromRow)]
struct OwnRating {
    series_id: i64,
    rating: i64,
}

/// Removes every review an account wrote (its deletion) and takes each out of its series'
/// figures. Locks the rows first, deletes them in one statement, then updates `series_stats`
/// in series order, so this follows the lock order (feedback before series_stats) and two
/// such transactions never lock figures in opposite orders. Returns how many were removed.
pub async fn remove_all_by_account(tx: &mut Tx, account_id: i64) -> Result<usize> {
    let query = Query::select()
        .column(Feedback::SeriesId)
        .expr_as(
            Func::cast_as(Expr::col(Feedback::Rating), Computed::Signed),
            Feedback::Rating,
        )
        .from(Feedback::Table)
        .and_where(Expr::col(Feedback::AccountId).eq(account_id))
        .order_by(Feedback::SeriesId, Order::Asc)
        .lock(LockType::Update)
        .to_owned();
    let rows: Vec<OwnRating> = tx.fetch_all(&query).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let delete = Query::delete()
        .from_table(Feedback::Table)
        .and_where(Expr::col(Feedback::AccountId).eq(account_id))
        .to_owned();
    let deleted = tx.execute(&delete).await?;
    if deleted != rows.len() as u64 {
        // The rows were locked above; a difference means the locks did not hold.
        return Err(Error::internal("feedback changed under its row locks"));
    }
    for row in &rows {
        series_stats::review_changed(tx, row.series_id, Some(row.rating), None).await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_stars() {
        for good in ["1", "5", " 3 "] {
            assert!(validate(good, "").is_ok(), "{good}");
        }
        for bad in ["0", "6", "x", "", "-1", "2.5", "99999999999999999999"] {
            let errors = validate(bad, "").expect_err(bad);
            assert!(errors.has("rating"), "{bad}");
        }
    }

    #[test]
    fn bodies_are_counted_in_characters() {
        let four_hundred = "é".repeat(400);
        assert_eq!(
            validate("4", &four_hundred).map(|r| r.body.chars().count()),
            Ok(400)
        );
        let too_long = "語".repeat(401);
        assert!(validate("4", &too_long).is_err_and(|e| e.has("body")));
        // A line break typed in a browser (CRLF) counts once.
        let lines = ["a"; 200].join("\r\n");
        assert_eq!(
            validate("4", &lines).map(|r| r.body.chars().count()),
            Ok(399)
        );
        assert!(validate("4", "nul\u{0}byte").is_err_and(|e| e.has("body")));
    }
}
