//! `seed --scale N`: a large synthetic catalog for measuring StreamVault at real sizes.
//!
//! N = 1 is about 1,000 series, 20,000 episodes, 10,000 customers and 100,000 reviews, plus
//! production houses, producers, alliances, releases, schedules and contracts; every count
//! grows linearly with N (fractions such as 0.01 make small sets for tests). Popularity is
//! skewed the way real catalogs are: series ranks follow a Zipf law, so a few hits collect
//! most viewers and reviews while the long tail has few.
//!
//! Deterministic: every value comes from a SplitMix64 generator keyed by (`--rng-seed`, table,
//! row), so the same seed gives the same rows whatever the batch sizes, and dates count back
//! from a fixed day ([`ANCHOR`]) rather than from today.
//!
//! Rows are generated on a blocking thread while the previous batch is written, as multi-row
//! INSERTs (`db::batch::insert_rows`) in transactions of [`ROWS_PER_TRANSACTION`] rows; the
//! per-series figures and page documents are rebuilt at the end with
//! `series_stats::rebuild_all` and `series_pages::rebuild_all`, and the
//! planner's statistics refreshed.
//!
//! Every synthetic account (customers `viewer1`…, staff `staff1`…) signs in with
//! [`PASSWORD`]; they share one pre-computed bcrypt hash, as hashing a million would take days.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use sea_query::{InsertStatement, SimpleExpr};

use super::Target;
use crate::db::batch::insert_rows;
use crate::db::Db;
use crate::error::{Error, Result};

/// The password of every synthetic account (documented in the README).
pub const PASSWORD: &str = "streamvault-demo";
/// A bcrypt cost-12 hash of [`PASSWORD`] (checked by a unit test).
const PASSWORD_HASH: &str = "$2b$12$1hyxcuaaLRjaeShMFnDZU.ZUPwTEDeCc/dIgEpY7kRgcFub16/e/q";

/// Dates count back from this day, so a seed gives the same rows on any day.
pub const ANCHOR: (i32, u32, u32) = (2026, 11, 1);

/// Rows written per transaction: big enough that commits are rare, small enough that a
/// batch's rows stay a few megabytes.
const ROWS_PER_TRANSACTION: usize = 25_000;

/// The largest `--scale` accepted (ten million series would not fit the id scheme's comfort).
pub const MAX_SCALE: f64 = 1_000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleOptions {
    /// N: 1.0 is about 1,000 series; fractions make small data sets.
    pub scale: f64,
    pub rng_seed: u64,
}

/// How many rows of each kind a scale makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub series: u64,
    pub customers: u64,
    pub employees: u64,
    pub reviews: u64,
    pub houses: u64,
    pub producers: u64,
}

impl Sizes {
    pub fn for_scale(scale: f64) -> Result<Sizes> {
        if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
            return Err(Error::internal(format_args!(
                "--scale must be a number above 0 and at most {MAX_SCALE}"
            )));
        }
        let of = |per_unit: f64, at_least: u64| ((per_unit * scale).round() as u64).max(at_least);
        let series = of(1_000.0, 1);
        let customers = of(10_000.0, 1);
        // A customer reviews a series at most once.
        let reviews = of(100_000.0, 1).min(series * customers);
        Ok(Sizes {
            series,
            customers,
            employees: 5,
            reviews,
            houses: of(40.0, 6),
            producers: of(150.0, 10),
        })
    }
}

/// What a run wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleSummary {
    pub sizes: Sizes,
    /// Rows per table, in the order written.
    pub tables: Vec<(&'static str, u64)>,
    pub rows: u64,
    pub elapsed: Duration,
}

impl ScaleSummary {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Generates the catalog into `db`, which must hold no catalog and no accounts (the caller
/// checks, and empties it for `--force`). `progress` counts rows; pass
/// [`ProgressBar::hidden`] when nobody watches.
pub async fn load(db: &Db, options: ScaleOptions, progress: &ProgressBar) -> Result<ScaleSummary> {
    let started = Instant::now();
    let plan = Arc::new(Plan::new(options)?);
    progress.set_length(plan.total_rows());

    // Generation (CPU) overlaps with writing (the database): the generator runs on a blocking
    // thread and hands over one batch at a time.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(2);
    let generator = {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || {
            plan.generate(&mut |batch| sender.blocking_send(batch).is_ok())
        })
    };
    let mut tables: Vec<(&'static str, u64)> = Vec::new();
    let mut written = Ok(());
    while let Some(batch) = receiver.recv().await {
        let table = batch.table;
        let batch = Arc::new(batch);
        let outcome = db
            .transaction("seed: insert a batch", move |tx| {
                let batch = batch.clone();
                Box::pin(async move { insert_rows(tx, &batch.template, &batch.rows).await })
            })
            .await;
        match outcome {
            Ok(rows) => {
                progress.inc(rows);
                match tables.last_mut() {
                    Some((name, count)) if *name == table => *count += rows,
                    _ => tables.push((table, rows)),
                }
            }
            Err(e) => {
                written = Err(e);
                break;
            }
        }
    }
    // Dropping the receiver stops a generator still waiting to hand over a batch.
    drop(receiver);
    let generated = generator
        .await
        .map_err(|e| Error::internal(format_args!("generator task failed: {e}")))?;
    written?;
    generated?;

    db.transaction("seed: rebuild series figures", |tx| {
        Box::pin(async move {
            crate::series_stats::rebuild_all(tx).await?;
            crate::series_pages::rebuild_all(tx).await
        })
    })
    .await?;
    db.analyze().await?;
    let rows = tables.iter().map(|(_, n)| n).sum();
    Ok(ScaleSummary {
        sizes: plan.sizes,
        tables,
        rows,
        elapsed: started.elapsed(),
    })
}

/// Words the titles are made of; the benchmark searches for them.
pub fn title_words() -> impl Iterator<Item = &'static str> {
    ADJECTIVES
        .iter()
        .chain(NOUNS.iter())
        .chain(PLACES.iter())
        .copied()
}

mod plan;
mod words;

use plan::Plan;
use words::{ADJECTIVES, NOUNS, PLACES};

// ---------------------------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast and good enough for test data. Each
/// row gets its own generator from (seed, table, row), so values never depend on the order in
/// which rows are made.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    fn keyed(seed: u64, stream: Stream, index: u64) -> Self {
        let mut mixer = SplitMix64::new(seed ^ (stream as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        let base = mixer.next_u64();
        SplitMix64::new(base ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// An index in `0..n` skewed towards 0: `n · u^power`.
    fn skewed(&mut self, n: u64, power: f64) -> u64 {
        ((n as f64 * self.unit().powf(power)) as u64).min(n.saturating_sub(1))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// `count` distinct values in `0..n` (all of them when `count >= n`), ascending.
    fn distinct(&mut self, n: u64, count: u64) -> Vec<u64> {
        let mut chosen: Vec<u64> = Vec::with_capacity(count.min(n) as usize);
        while (chosen.len() as u64) < count.min(n) {
            let candidate = self.below(n);
            if !chosen.contains(&candidate) {
                chosen.push(candidate);
            }
        }
        chosen.sort_unstable();
        chosen
    }
}

/// The independent random streams, one per kind of row.
#[derive(Clone, Copy)]
enum Stream {
    Ranks = 1,
    Titles,
    House,
    Producer,
    Alliance,
    Series,
    Episode,
    Schedule,
    Contract,
    Account,
    Reviewers,
    Review,
}

/// Rows of one table, ready for `insert_rows`.
struct Batch {
    table: &'static str,
    template: InsertStatement,
    rows: Vec<Vec<SimpleExpr>>,
}

/// Collects rows of one table and hands them over in batches.
struct Writer<'s> {
    table: &'static str,
    template: InsertStatement,
    rows: Vec<Vec<SimpleExpr>>,
    send: &'s mut dyn FnMut(Batch) -> bool,
}

impl<'s> Writer<'s> {
    fn new(send: &'s mut dyn FnMut(Batch) -> bool, target: Target) -> Self {
        Writer {
            table: target.name(),
            template: target.insert(),
            rows: Vec::with_capacity(ROWS_PER_TRANSACTION),
            send,
        }
    }

    fn push(&mut self, row: Vec<SimpleExpr>) -> Result<()> {
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_TRANSACTION {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(ROWS_PER_TRANSACTION));
        let batch = Batch {
            table: self.table,
            template: self.template.clone(),
            rows,
        };
        if (self.send)(batch) {
            Ok(())
        } else {
            Err(Error::internal("the writer stopped"))
        }
    }

    fn finish(mut self) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::plan::allocate;
    use std::collections::HashSet;

    use super::*;

    fn collect(options: ScaleOptions) -> Vec<Batch> {
        let plan = Plan::new(options).expect("plan");
        let mut batches = Vec::new();
        plan.generate(&mut |batch| {
            batches.push(batch);
            true
        })
        .expect("generate");
        batches
    }

    fn rows_of<'b>(batches: &'b [Batch], table: &str) -> Vec<&'b Vec<SimpleExpr>> {
        batches
            .iter()
            .filter(|b| b.table == table)
            .flat_map(|b| b.rows.iter())
            .collect()
    }

    fn int(expr: &SimpleExpr) -> i64 {
        match expr {
            SimpleExpr::Value(sea_query::Value::BigInt(Some(n))) => *n,
            SimpleExpr::Value(sea_query::Value::Int(Some(n))) => i64::from(*n),
            other => panic!("not an integer: {other:?}"),
        }
    }

    fn text(expr: &SimpleExpr) -> String {
        match expr {
            SimpleExpr::Value(sea_query::Value::String(Some(s))) => s.to_string(),
            other => panic!("not a string: {other:?}"),
        }
    }

    fn date(expr: &SimpleExpr) -> NaiveDate {
        match expr {
            SimpleExpr::Value(sea_query::Value::ChronoDate(Some(d))) => **d,
            other => panic!("not a date: {other:?}"),
        }
    }

    #[test]
    fn sizes_grow_linearly_and_refuse_nonsense() {
        let one = Sizes::for_scale(1.0).expect("scale 1");
        assert_eq!(
            (one.series, one.customers, one.reviews),
            (1_000, 10_000, 100_000)
        );
        let ten = Sizes::for_scale(10.0).expect("scale 10");
        assert_eq!(
            (
                ten.series,
                ten.customers,
                ten.reviews,
                ten.houses,
                ten.producers
            ),
            (10_000, 100_000, 1_000_000, 400, 1_500)
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_SCALE * 2.0] {
            assert!(Sizes::for_scale(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shared_password_hash_matches_the_documented_password() {
        assert!(PASSWORD_HASH.starts_with("$2b$12$"));
        assert!(bcrypt::verify(PASSWORD, PASSWORD_HASH).expect("valid hash"));
    }

    #[test]
    fn same_seed_same_rows_other_seed_other_rows() {
        let options = ScaleOptions {
            scale: 0.02,
            rng_seed: 7,
        };
        let render = |batches: &[Batch]| {
            batches
                .iter()
                .map(|b| format!("{}:{:?}", b.table, b.rows))
                .collect::<Vec<_>>()
        };
        let first = render(&collect(options));
        assert_eq!(first, render(&collect(options)));
        let other = render(&collect(ScaleOptions {
            rng_seed: 8,
            ..options
        }));
        assert_ne!(first, other);
    }

    #[test]
    fn rows_respect_the_schema_rules() {
        let options = ScaleOptions {
            scale: 0.05,
            rng_seed: 42,
        };
        let plan = Plan::new(options).expect("plan");
        let batches = collect(options);
        let written: u64 = batches.iter().map(|b| b.rows.len() as u64).sum();
        assert_eq!(
            written,
            plan.total_rows(),
            "the progress bar's length is exact"
        );

        let series = rows_of(&batches, "series");
        assert_eq!(series.len() as u64, plan.sizes.series);
        assert!(
            series.iter().all(|row| int(&row[2]) >= 6),
            "planned episodes"
        );
        let titles: HashSet<String> = series.iter().map(|row| text(&row[1])).collect();
        assert_eq!(titles.len(), series.len(), "titles are distinct");

        let mut numbers = HashSet::new();
        for row in rows_of(&batches, "episodes") {
            assert!(
                numbers.insert((int(&row[1]), int(&row[2]))),
                "unique (series, number)"
            );
            assert!(int(&row[4]) >= 0);
        }
        for table in ["schedules", "contracts"] {
            for row in rows_of(&batches, table) {
                let width = row.len();
                assert!(
                    date(&row[width - 1]) > date(&row[width - 2]),
                    "{table}: ends after it starts"
                );
            }
        }
        for row in rows_of(&batches, "contracts") {
            assert!(int(&row[2]) > 0);
        }
        let mut pairs = HashSet::new();
        for row in rows_of(&batches, "producer_alliances") {
            assert!(
                pairs.insert((int(&row[1]), int(&row[2]))),
                "unique alliance"
            );
            if let SimpleExpr::Value(sea_query::Value::ChronoDate(Some(ended))) = &row[4] {
                assert!(**ended > date(&row[3]));
            }
        }
        for (table, key) in [
            ("series_genres", 2),
            ("series_subtitles", 2),
            ("series_dubbings", 2),
            ("series_releases", 2),
        ] {
            let rows = rows_of(&batches, table);
            let keys: HashSet<(i64, i64)> = rows.iter().map(|r| (int(&r[0]), int(&r[1]))).collect();
            assert_eq!(
                keys.len(),
                rows.len(),
                "{table}: unique key of {key} columns"
            );
        }

        let accounts = rows_of(&batches, "accounts");
        assert_eq!(
            accounts.len() as u64,
            plan.sizes.customers + plan.sizes.employees
        );
        let usernames: HashSet<String> = accounts.iter().map(|r| text(&r[1])).collect();
        let emails: HashSet<String> = accounts.iter().map(|r| text(&r[2])).collect();
        assert_eq!(usernames.len(), accounts.len());
        assert_eq!(emails.len(), accounts.len());
        assert!(usernames.contains("staff1") && usernames.contains("viewer1"));

        let feedback = rows_of(&batches, "feedback");
        assert_eq!(feedback.len() as u64, plan.sizes.reviews);
        let mut reviewed = HashSet::new();
        for row in &feedback {
            assert!(
                reviewed.insert((int(&row[0]), int(&row[1]))),
                "one review per customer and series"
            );
            assert!((1..=5).contains(&int(&row[2])));
            assert!(text(&row[3]).chars().count() <= 400);
            assert!(
                int(&row[1]) > plan.sizes.employees as i64,
                "customers write reviews"
            );
        }
    }

    #[test]
    fn a_few_hits_get_most_of_the_reviews_and_viewers() {
        let plan = Plan::new(ScaleOptions {
            scale: 1.0,
            rng_seed: 1,
        })
        .expect("plan");
        let mut reviews: Vec<u64> = plan.series.iter().map(|s| s.reviews).collect();
        reviews.sort_unstable_by(|a, b| b.cmp(a));
        let total: u64 = reviews.iter().sum();
        assert_eq!(total, plan.sizes.reviews);
        let top_five_percent: u64 = reviews[..reviews.len() / 20].iter().sum();
        assert!(
            top_five_percent * 2 > total,
            "{top_five_percent} of {total}"
        );
        assert!(reviews[0] <= plan.sizes.customers);
        let mut popularity: Vec<f64> = plan.series.iter().map(|s| s.popularity).collect();
        popularity.sort_by(|a, b| b.total_cmp(a));
        assert!(popularity[0] > 100.0 * popularity[popularity.len() / 2]);
    }

    #[test]
    fn allocation_respects_the_cap_and_the_total() {
        let weights = [1.0, 0.5, 0.25, 0.125];
        let ranks = [0, 1, 2, 3];
        let counts = allocate(100, &weights, &ranks, 40);
        assert_eq!(counts.iter().sum::<u64>(), 100);
        assert!(counts.iter().all(|&c| c <= 40));
        assert!(counts[0] >= counts[1] && counts[1] >= counts[2] && counts[2] >= counts[3]);
    }

    #[test]
    fn prng_is_uniform_enough_and_below_stays_below() {
        let mut rng = SplitMix64::new(99);
        let mut buckets = [0u32; 10];
        for _ in 0..100_000 {
            let value = rng.below(10);
            buckets[value as usize] += 1;
        }
        assert!(
            buckets.iter().all(|&b| (9_000..11_000).contains(&b)),
            "{buckets:?}"
        );
        assert_eq!(rng.below(0), 0);
        let distinct = rng.distinct(5, 9);
        assert_eq!(distinct, vec![0, 1, 2, 3, 4]);
    }
}
