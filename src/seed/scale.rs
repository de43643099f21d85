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
//! per-series figures are rebuilt at the end with `series_stats::rebuild_all`, and the
//! planner's statistics refreshed.
//!
//! Every synthetic account (customers `viewer1`…, staff `staff1`…) signs in with
//! [`PASSWORD`]; they share one pre-computed bcrypt hash, as hashing a million would take days.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use indicatif::ProgressBar;
use sea_query::{InsertStatement, SimpleExpr};

use super::demo_data::{EPISODE_TITLES, REVIEWS};
use super::Target;
use crate::auth::Role;
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
            .transaction(move |tx| {
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

    db.transaction(|tx| Box::pin(crate::series_stats::rebuild_all(tx)))
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

/// What every table's rows are derived from: the sizes, and per series the figures other
/// tables depend on (popularity, episode and review counts), decided up front.
struct Plan {
    seed: u64,
    sizes: Sizes,
    anchor: NaiveDate,
    series: Vec<SeriesPlan>,
}

#[derive(Clone, Debug)]
struct SeriesPlan {
    /// Zipf weight of its popularity rank, 1.0 for the biggest hit.
    popularity: f64,
    /// Typical rating, 1.0–5.0.
    quality: f64,
    episodes: u64,
    /// Id of its first episode.
    first_episode_id: u64,
    reviews: u64,
    released: NaiveDate,
    origin: usize,
    /// Countries (indexes into [`COUNTRIES`]) beyond the origin where it is released.
    also_in: u64,
    scheduled: bool,
}

impl Plan {
    fn new(options: ScaleOptions) -> Result<Plan> {
        let sizes = Sizes::for_scale(options.scale)?;
        let seed = options.rng_seed;
        let (year, month, day) = ANCHOR;
        let anchor = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad_date)?;

        // Popularity: a random permutation of ranks, so hits are spread over the ids.
        let n = sizes.series as usize;
        let mut ranks: Vec<u64> = (0..sizes.series).collect();
        let mut rng = SplitMix64::keyed(seed, Stream::Ranks, 0);
        for i in (1..n).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            ranks.swap(i, j);
        }
        let weights: Vec<f64> = ranks
            .iter()
            .map(|&rank| 1.0 / ((rank + 1) as f64).powf(0.9))
            .collect();
        let reviews = allocate(sizes.reviews, &weights, &ranks, sizes.customers);

        let mut series = Vec::with_capacity(n);
        let mut next_episode_id = 1;
        for (i, (&popularity, &reviews)) in weights.iter().zip(&reviews).enumerate() {
            let mut rng = SplitMix64::keyed(seed, Stream::Series, i as u64);
            let episodes = 6 + rng.below(29);
            // Most series are recent: u² pulls the age towards zero.
            let age_days = (rng.unit().powi(2) * 25.0 * 365.0) as u64;
            let released = anchor
                .checked_sub_days(Days::new(age_days + 1))
                .ok_or_else(bad_date)?;
            let reach = (popularity.sqrt() * 24.0) as u64;
            let also_in = (1 + rng.below(4) + reach).min(COUNTRIES.len() as u64 - 1);
            series.push(SeriesPlan {
                popularity,
                quality: (1.4 + 2.6 * rng.unit() + 1.0 * popularity.sqrt()).min(5.0),
                episodes,
                first_episode_id: next_episode_id,
                reviews,
                released,
                origin: rng.skewed(COUNTRIES.len() as u64, 2.2) as usize,
                also_in,
                scheduled: age_days < 2 * 365 || rng.chance(0.2),
            });
            next_episode_id += episodes;
        }
        Ok(Plan {
            seed,
            sizes,
            anchor,
            series,
        })
    }

    /// Rows of every table together (the progress bar's length).
    fn total_rows(&self) -> u64 {
        let per_series: u64 = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let links = self.series_links(i);
                1 + links.genres.len() as u64
                    + links.subtitles.len() as u64
                    + links.dubbings.len() as u64
                    + 1
                    + s.also_in
                    + s.episodes
                    + if s.scheduled { s.episodes } else { 0 }
                    + self.contracts(i).map_or(0, |c| c.len() as u64)
                    + s.reviews
            })
            .sum();
        let alliances: u64 = (0..self.sizes.producers)
            .map(|p| self.alliances(p).len() as u64)
            .sum();
        COUNTRIES.len() as u64
            + LANGUAGES.len() as u64
            + GENRES.len() as u64
            + self.sizes.houses
            + self.sizes.producers
            + alliances
            + self.sizes.employees
            + self.sizes.customers
            + per_series
    }

    /// Generates every table in foreign-key order, handing batches to `send` (which answers
    /// false when the writer has stopped).
    fn generate(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        self.reference_data(send)?;
        self.houses_and_producers(send)?;
        self.series_rows(send)?;
        self.episodes_and_schedules(send)?;
        self.contracts_rows(send)?;
        self.accounts(send)?;
        self.feedback(send)
    }

    fn reference_data(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut countries = Writer::new(send, Target::Countries);
        for (i, (name, region, _)) in COUNTRIES.iter().enumerate() {
            countries.push(vec![id(i as u64), (*name).into(), (*region).into()])?;
        }
        countries.finish()?;
        for (target, list) in [(Target::Languages, LANGUAGES), (Target::Genres, GENRES)] {
            let mut writer = Writer::new(send, target);
            for (i, item) in list.iter().enumerate() {
                writer.push(vec![id(i as u64), (*item).into()])?;
            }
            writer.finish()?;
        }
        Ok(())
    }

    fn houses_and_producers(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut houses = Writer::new(send, Target::ProductionHouses);
        let names_per_round = (HOUSE_WORDS.len() * HOUSE_SUFFIXES.len()) as u64;
        for h in 0..self.sizes.houses {
            let mut rng = SplitMix64::keyed(self.seed, Stream::House, h);
            let word = HOUSE_WORDS[(h % HOUSE_WORDS.len() as u64) as usize];
            let suffix = HOUSE_SUFFIXES
                [(h / HOUSE_WORDS.len() as u64 % HOUSE_SUFFIXES.len() as u64) as usize];
            let round = h / names_per_round;
            let name = if round == 0 {
                format!("{word} {suffix}")
            } else {
                format!("{word} {suffix} {}", round + 1)
            };
            let (city, state, country) = rng.pick(CITIES);
            houses.push(vec![
                id(h),
                name.into(),
                street(&mut rng).into(),
                city.into(),
                state.into(),
                postal_code(&mut rng).into(),
                country.into(),
                (1905 + rng.below(120) as i32).into(),
            ])?;
        }
        houses.finish()?;

        let mut producers = Writer::new(send, Target::Producers);
        for p in 0..self.sizes.producers {
            let mut rng = SplitMix64::keyed(self.seed, Stream::Producer, p);
            let (city, state, country) = rng.pick(CITIES);
            let middle = rng.chance(0.4).then(|| rng.pick(FIRST_NAMES).to_owned());
            producers.push(vec![
                id(p),
                rng.pick(FIRST_NAMES).into(),
                middle.into(),
                rng.pick(LAST_NAMES).into(),
                street(&mut rng).into(),
                city.into(),
                state.into(),
                postal_code(&mut rng).into(),
                country.into(),
                format!("+1 555 {:07}", p + 1).into(),
                format!("producer{}@producers.example", p + 1).into(),
            ])?;
        }
        producers.finish()?;

        let mut alliances = Writer::new(send, Target::ProducerAlliances);
        let mut alliance_id = 0;
        for p in 0..self.sizes.producers {
            for (house, started, ended) in self.alliances(p) {
                alliances.push(vec![
                    id(alliance_id),
                    id(p),
                    id(house),
                    self.days_before_anchor(started)?.into(),
                    ended
                        .map(|days| self.days_before_anchor(days))
                        .transpose()?
                        .into(),
                ])?;
                alliance_id += 1;
            }
        }
        alliances.finish()
    }

    /// A producer's alliances: (house index, started, ended) with dates as days before the
    /// anchor; an ended alliance ends after it started.
    fn alliances(&self, producer: u64) -> Vec<(u64, u64, Option<u64>)> {
        let mut rng = SplitMix64::keyed(self.seed, Stream::Alliance, producer);
        let count = 1 + rng.below(3);
        rng.distinct(self.sizes.houses, count)
            .into_iter()
            .map(|house| {
                let started = 400 + rng.below(30 * 365);
                let ended = rng
                    .chance(0.4)
                    .then(|| started.saturating_sub(30 + rng.below(started - 30)));
                (house, started, ended)
            })
            .collect()
    }

    fn series_rows(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut series = Writer::new(send, Target::Series);
        let title_offset =
            SplitMix64::keyed(self.seed, Stream::Titles, 0).below(TITLE_COMBINATIONS);
        for (i, plan) in self.series.iter().enumerate() {
            let mut rng = SplitMix64::keyed(self.seed, Stream::Series, i as u64 + (1 << 40));
            let (_, _, home_language) = COUNTRIES[plan.origin];
            let language = if rng.chance(0.85) {
                language_index(home_language)
            } else {
                rng.below(LANGUAGES.len() as u64) as usize
            };
            series.push(vec![
                id(i as u64),
                title(i as u64, title_offset).into(),
                ((plan.episodes + rng.below(6)) as i64).into(),
                id(language as u64),
                plan.released.into(),
                id(plan.origin as u64),
                id(rng.skewed(self.sizes.houses, 1.8)),
            ])?;
        }
        series.finish()?;

        // The link tables, each from the same per-series choice.
        let mut genres = Writer::new(send, Target::SeriesGenres);
        for i in 0..self.series.len() {
            for genre in self.series_links(i).genres {
                genres.push(vec![id(i as u64), id(genre)])?;
            }
        }
        genres.finish()?;
        let mut subtitles = Writer::new(send, Target::SeriesSubtitles);
        for i in 0..self.series.len() {
            for language in self.series_links(i).subtitles {
                subtitles.push(vec![id(i as u64), id(language)])?;
            }
        }
        subtitles.finish()?;
        let mut dubbings = Writer::new(send, Target::SeriesDubbings);
        for i in 0..self.series.len() {
            for language in self.series_links(i).dubbings {
                dubbings.push(vec![id(i as u64), id(language)])?;
            }
        }
        dubbings.finish()?;

        // Released at home first, then in further countries over the following months.
        let mut releases = Writer::new(send, Target::SeriesReleases);
        for (i, plan) in self.series.iter().enumerate() {
            releases.push(vec![
                id(i as u64),
                id(plan.origin as u64),
                plan.released.into(),
            ])?;
            for (k, country) in self.series_links(i).countries.into_iter().enumerate() {
                let released_on = plan
                    .released
                    .checked_add_days(Days::new(14 * (k as u64 + 1)))
                    .ok_or_else(bad_date)?;
                releases.push(vec![id(i as u64), id(country), released_on.into()])?;
            }
        }
        releases.finish()
    }

    /// A series' genres, subtitle and dubbing languages (never its own language) and further
    /// release countries (never its origin): index lists, each without duplicates.
    fn series_links(&self, i: usize) -> Links {
        let plan = &self.series[i];
        let mut rng = SplitMix64::keyed(self.seed, Stream::Series, i as u64 + (2 << 40));
        let genre_count = 1 + rng.below(3);
        let genres = rng.distinct(GENRES.len() as u64, genre_count);
        let home = language_index(COUNTRIES[plan.origin].2) as u64;
        let others = LANGUAGES.len() as u64 - 1;
        let skip_home = |l: u64| if l >= home { l + 1 } else { l };
        let (subtitle_count, dubbing_count) = (rng.below(4), rng.below(3));
        let subtitles = rng
            .distinct(others, subtitle_count)
            .into_iter()
            .map(skip_home)
            .collect();
        let dubbings = rng
            .distinct(others, dubbing_count)
            .into_iter()
            .map(skip_home)
            .collect();
        let origin = plan.origin as u64;
        let countries = rng
            .distinct(COUNTRIES.len() as u64 - 1, plan.also_in)
            .into_iter()
            .map(|c| if c >= origin { c + 1 } else { c })
            .collect();
        Links {
            genres,
            subtitles,
            dubbings,
            countries,
        }
    }

    fn episodes_and_schedules(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut episodes = Writer::new(send, Target::Episodes);
        for (i, plan) in self.series.iter().enumerate() {
            // A hit's episodes draw millions of viewers; the tail's a few thousand.
            let audience = 1_500.0 + 4_000_000.0 * plan.popularity;
            for n in 1..=plan.episodes {
                let episode_id = plan.first_episode_id + n - 1;
                let mut rng = SplitMix64::keyed(self.seed, Stream::Episode, episode_id);
                let mut factor = 0.85 + 0.3 * rng.unit() - 0.02 * (n - 1).min(10) as f64;
                if n == 1 {
                    factor += 0.25;
                }
                if n == plan.episodes && n > 1 {
                    factor += 0.1;
                }
                episodes.push(vec![
                    // Episode ids count from 1 already.
                    (episode_id as i64).into(),
                    id(i as u64),
                    (n as i64).into(),
                    rng.pick(EPISODE_TITLES).into(),
                    ((audience * factor) as i64).into(),
                    rng.chance(0.03).into(),
                ])?;
            }
        }
        episodes.finish()?;

        // Weekly airing windows for recent series (and some older ones re-aired).
        let mut schedules = Writer::new(send, Target::Schedules);
        let mut schedule_id = 0;
        for plan in self.series.iter().filter(|s| s.scheduled) {
            for n in 1..=plan.episodes {
                let episode_id = plan.first_episode_id + n - 1;
                let mut rng = SplitMix64::keyed(self.seed, Stream::Schedule, episode_id);
                let starts_on = plan
                    .released
                    .checked_add_days(Days::new(7 * (n - 1)))
                    .ok_or_else(bad_date)?;
                let ends_on = starts_on
                    .checked_add_days(Days::new(7 + rng.below(22)))
                    .ok_or_else(bad_date)?;
                schedules.push(vec![
                    id(schedule_id),
                    (episode_id as i64).into(),
                    starts_on.into(),
                    ends_on.into(),
                ])?;
                schedule_id += 1;
            }
        }
        schedules.finish()
    }

    /// A series' licence contracts: (cents per episode, starts on, ends on); one, sometimes
    /// followed by a dearer renewal.
    fn contracts(&self, i: usize) -> Result<Vec<(i64, NaiveDate, NaiveDate)>> {
        let plan = &self.series[i];
        let mut rng = SplitMix64::keyed(self.seed, Stream::Contract, i as u64);
        let charge = round_to_100(
            50_000 + (plan.popularity * 4_000_000.0) as i64 + rng.below(80_000) as i64,
        );
        let starts_on = plan
            .released
            .checked_sub_days(Days::new(60 + rng.below(180)))
            .ok_or_else(bad_date)?;
        let ends_on = starts_on
            .checked_add_days(Days::new(365 * (1 + rng.below(4))))
            .ok_or_else(bad_date)?;
        let mut contracts = vec![(charge, starts_on, ends_on)];
        if rng.chance(0.4) {
            let renewal_ends = ends_on
                .checked_add_days(Days::new(365 * (1 + rng.below(3))))
                .ok_or_else(bad_date)?;
            contracts.push((round_to_100(charge * 115 / 100), ends_on, renewal_ends));
        }
        Ok(contracts)
    }

    fn contracts_rows(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut contracts = Writer::new(send, Target::Contracts);
        let mut contract_id = 0;
        for i in 0..self.series.len() {
            for (charge, starts_on, ends_on) in self.contracts(i)? {
                contracts.push(vec![
                    id(contract_id),
                    id(i as u64),
                    charge.into(),
                    starts_on.into(),
                    ends_on.into(),
                ])?;
                contract_id += 1;
            }
        }
        contracts.finish()
    }

    /// Staff first (`staff1`…), then customers (`viewer1`…), all with [`PASSWORD`].
    fn accounts(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut accounts = Writer::new(send, Target::Accounts);
        let total = self.sizes.employees + self.sizes.customers;
        for a in 0..total {
            let mut rng = SplitMix64::keyed(self.seed, Stream::Account, a);
            let employee = a < self.sizes.employees;
            let (username, email, role, cents) = if employee {
                let n = a + 1;
                (
                    format!("staff{n}"),
                    format!("staff{n}@streamvault.local"),
                    Role::Employee,
                    0,
                )
            } else {
                let n = a - self.sizes.employees + 1;
                (
                    format!("viewer{n}"),
                    format!("viewer{n}@example.com"),
                    Role::Customer,
                    rng.pick(&[799i64, 999, 1499, 1999]),
                )
            };
            accounts.push(vec![
                id(a),
                username.into(),
                email.into(),
                PASSWORD_HASH.into(),
                role.as_str().into(),
                rng.pick(FIRST_NAMES).into(),
                rng.pick(LAST_NAMES).into(),
                id(rng.skewed(COUNTRIES.len() as u64, 2.0)),
                cents.into(),
                self.account_created_at(a)?.into(),
            ])?;
        }
        accounts.finish()
    }

    /// When account `a` (0-based, staff first) joined: within five years before the anchor.
    fn account_created_at(&self, a: u64) -> Result<DateTime<Utc>> {
        let mut rng = SplitMix64::keyed(self.seed, Stream::Account, a + (1 << 40));
        let seconds = 86_400 + rng.below(5 * 365 * 86_400);
        Ok(self.anchor_time()? - chrono::Duration::seconds(seconds as i64))
    }

    /// Reviews: each series' count of distinct customers, chosen by a random start and a
    /// stride coprime with the number of customers; ratings scatter around its quality.
    fn feedback(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
        let mut feedback = Writer::new(send, Target::Feedback);
        let customers = self.sizes.customers;
        let anchor = self.anchor_time()?;
        for (i, plan) in self.series.iter().enumerate() {
            if plan.reviews == 0 {
                continue;
            }
            let mut rng = SplitMix64::keyed(self.seed, Stream::Reviewers, i as u64);
            let start = rng.below(customers);
            let stride = loop {
                let candidate = 1 + rng.below(customers);
                if gcd(candidate, customers) == 1 {
                    break candidate;
                }
            };
            // Sorted, so each series' rows arrive in primary-key order.
            let mut reviewers: Vec<u64> = (0..plan.reviews)
                .map(|k| (start + k * stride) % customers)
                .collect();
            reviewers.sort_unstable();
            for customer in reviewers {
                let account = self.sizes.employees + customer;
                let mut rng =
                    SplitMix64::keyed(self.seed, Stream::Review, (i as u64) << 32 | customer);
                let noise = (rng.unit() + rng.unit() - 1.0) * 2.2;
                let rating = (plan.quality + noise).round().clamp(1.0, 5.0) as i64;
                let texts = REVIEWS[(rating - 1) as usize];
                let body = if rng.chance(0.35) {
                    ""
                } else {
                    rng.pick(texts)
                };
                let joined = self.account_created_at(account)?;
                let since = (anchor - joined).num_seconds().max(1) as u64;
                let recorded_at = joined + chrono::Duration::seconds(rng.below(since) as i64);
                feedback.push(vec![
                    id(i as u64),
                    id(account),
                    rating.into(),
                    body.into(),
                    recorded_at.into(),
                ])?;
            }
        }
        feedback.finish()
    }

    fn anchor_time(&self) -> Result<DateTime<Utc>> {
        Ok(Utc.from_utc_datetime(&self.anchor.and_time(NaiveTime::MIN)))
    }

    fn days_before_anchor(&self, days: u64) -> Result<NaiveDate> {
        self.anchor
            .checked_sub_days(Days::new(days))
            .ok_or_else(bad_date)
    }
}

struct Links {
    genres: Vec<u64>,
    subtitles: Vec<u64>,
    dubbings: Vec<u64>,
    countries: Vec<u64>,
}

/// Splits `total` reviews over the series in proportion to their weights, at most `cap` (the
/// number of customers) each: the biggest hits are served first and anything a capped series
/// cannot take goes to the rest, in proportion again.
fn allocate(total: u64, weights: &[f64], ranks: &[u64], cap: u64) -> Vec<u64> {
    let mut by_rank: Vec<usize> = (0..weights.len()).collect();
    by_rank.sort_unstable_by_key(|&i| ranks[i]);
    let mut remaining_weight: f64 = weights.iter().sum();
    let mut remaining = total;
    let mut counts = vec![0; weights.len()];
    for i in by_rank {
        let share = if remaining_weight > 0.0 {
            (remaining as f64 * weights[i] / remaining_weight).round() as u64
        } else {
            0
        };
        let count = share.min(cap).min(remaining);
        counts[i] = count;
        remaining -= count;
        remaining_weight -= weights[i];
    }
    counts
}

/// The id of the row at 0-based position `index` (ids count from 1).
fn id(index: u64) -> SimpleExpr {
    (index as i64 + 1).into()
}

fn language_index(name: &str) -> usize {
    LANGUAGES.iter().position(|l| *l == name).unwrap_or(0)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn round_to_100(cents: i64) -> i64 {
    ((cents + 50) / 100 * 100).max(100)
}

fn bad_date() -> Error {
    Error::internal("date out of range in the synthetic data")
}

fn street(rng: &mut SplitMix64) -> String {
    format!("{} {}", 1 + rng.below(2_000), rng.pick(STREETS))
}

fn postal_code(rng: &mut SplitMix64) -> String {
    format!("{:05}", rng.below(100_000))
}

/// Distinct titles for the first [`TITLE_COMBINATIONS`] series (a permutation of the word
/// combinations, shifted by the seed), then the same titles with a season number.
const TITLE_COMBINATIONS: u64 = 3 * 64 * 64;

fn title(index: u64, offset: u64) -> String {
    // 7919 is prime and does not divide TITLE_COMBINATIONS, so this is a permutation.
    let combination = (index.wrapping_mul(7_919) + offset) % TITLE_COMBINATIONS;
    let round = index / TITLE_COMBINATIONS;
    let pattern = combination % 3;
    let a = ((combination / 3) % 64) as usize;
    let b = ((combination / (3 * 64)) % 64) as usize;
    let base = match pattern {
        0 => format!("The {} {}", ADJECTIVES[a], NOUNS[b]),
        1 => format!("{} {}", ADJECTIVES[a], NOUNS[b]),
        _ => format!("{} of {}", NOUNS[b], PLACES[a]),
    };
    if round == 0 {
        base
    } else {
        format!("{base}: Season {}", round + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.
// ---------------------------------------------------------------------------------------------

/// (name, region, main language). The demo's countries first, then more in more regions.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("United States", "North America", "English"),
    ("United Kingdom", "Europe", "English"),
    ("South Korea", "Asia", "Korean"),
    ("Japan", "Asia", "Japanese"),
    ("Spain", "Europe", "Spanish"),
    ("France", "Europe", "French"),
    ("Canada", "North America", "English"),
    ("Germany", "Europe", "German"),
    ("India", "Asia", "Hindi"),
    ("Mexico", "North America", "Spanish"),
    ("Brazil", "Latin America", "Portuguese"),
    ("Italy", "Europe", "Italian"),
    ("Sweden", "Europe", "Swedish"),
    ("Australia", "Oceania", "English"),
    ("Argentina", "Latin America", "Spanish"),
    ("Colombia", "Latin America", "Spanish"),
    ("China", "Asia", "Mandarin"),
    ("Netherlands", "Europe", "Dutch"),
    ("Poland", "Europe", "Polish"),
    ("Norway", "Europe", "Norwegian"),
    ("Denmark", "Europe", "Danish"),
    ("Finland", "Europe", "Finnish"),
    ("Ireland", "Europe", "English"),
    ("Portugal", "Europe", "Portuguese"),
    ("Greece", "Europe", "Greek"),
    ("Turkey", "Middle East", "Turkish"),
    ("Israel", "Middle East", "Hebrew"),
    ("United Arab Emirates", "Middle East", "Arabic"),
    ("Saudi Arabia", "Middle East", "Arabic"),
    ("Nigeria", "Africa", "English"),
    ("South Africa", "Africa", "English"),
    ("Kenya", "Africa", "Swahili"),
    ("Egypt", "Africa", "Arabic"),
    ("Morocco", "Africa", "Arabic"),
    ("Thailand", "Asia", "Thai"),
    ("Indonesia", "Asia", "Indonesian"),
    ("Philippines", "Asia", "Tagalog"),
    ("Chile", "Latin America", "Spanish"),
    ("Peru", "Latin America", "Spanish"),
    ("New Zealand", "Oceania", "English"),
];

const LANGUAGES: &[&str] = &[
    "English",
    "Spanish",
    "French",
    "German",
    "Japanese",
    "Korean",
    "Portuguese",
    "Italian",
    "Swedish",
    "Hindi",
    "Mandarin",
    "Dutch",
    "Polish",
    "Norwegian",
    "Danish",
    "Finnish",
    "Greek",
    "Turkish",
    "Hebrew",
    "Arabic",
    "Swahili",
    "Thai",
    "Indonesian",
    "Tagalog",
];

const GENRES: &[&str] = &[
    "Drama",
    "Comedy",
    "Crime",
    "Science Fiction",
    "Thriller",
    "Fantasy",
    "Romance",
    "Documentary",
    "Historical",
    "Animation",
    "Horror",
    "Mystery",
    "Adventure",
    "Family",
    "Musical",
    "War",
    "Western",
    "Reality",
    "Sports",
    "Biography",
];

const ADJECTIVES: [&str; 64] = [
    "Silent",
    "Crimson",
    "Hidden",
    "Broken",
    "Golden",
    "Northern",
    "Frozen",
    "Burning",
    "Distant",
    "Endless",
    "Fallen",
    "Forgotten",
    "Hollow",
    "Iron",
    "Last",
    "Lost",
    "Midnight",
    "Quiet",
    "Restless",
    "Scarlet",
    "Secret",
    "Shattered",
    "Silver",
    "Stolen",
    "Sunken",
    "Twisted",
    "Wild",
    "Winter",
    "Wandering",
    "Velvet",
    "Bitter",
    "Bright",
    "Cold",
    "Dark",
    "Deep",
    "Electric",
    "Empty",
    "Final",
    "First",
    "Glass",
    "Grand",
    "Green",
    "Heavy",
    "High",
    "Little",
    "Long",
    "Lucky",
    "New",
    "Old",
    "Open",
    "Pale",
    "Paper",
    "Perfect",
    "Red",
    "Salt",
    "Second",
    "Small",
    "Strange",
    "Sweet",
    "True",
    "Black",
    "Blue",
    "White",
    "Wooden",
];

const NOUNS: [&str; 64] = [
    "Harbour",
    "Lantern",
    "Empire",
    "Garden",
    "River",
    "Kingdom",
    "Station",
    "Island",
    "Signal",
    "Border",
    "Circle",
    "Frontier",
    "Orchard",
    "Archive",
    "Bridge",
    "Canyon",
    "Castle",
    "Citadel",
    "Coast",
    "Compass",
    "Crown",
    "Desert",
    "Engine",
    "Factory",
    "Forest",
    "Fortune",
    "Gallery",
    "Hotel",
    "Horizon",
    "Hunter",
    "Journey",
    "Ledger",
    "Library",
    "Lighthouse",
    "Machine",
    "Market",
    "Meadow",
    "Mirror",
    "Mountain",
    "Network",
    "Ocean",
    "Palace",
    "Passage",
    "Prophet",
    "Quarry",
    "Railway",
    "Republic",
    "Season",
    "Shadow",
    "Shore",
    "Sisters",
    "Café",
    "Summit",
    "Tide",
    "Tower",
    "Valley",
    "Village",
    "Voyage",
    "Whisper",
    "Witness",
    "Academy",
    "Château",
    "Verdict",
    "Dynasty",
];

const PLACES: [&str; 64] = [
    "Avalon",
    "Lisbon",
    "Kyoto",
    "Marseille",
    "Oslo",
    "Seville",
    "Havana",
    "Tangier",
    "Bruges",
    "Dublin",
    "Montréal",
    "Cádiz",
    "Kraków",
    "Málaga",
    "Reykjavík",
    "Zürich",
    "Naples",
    "Porto",
    "Bergen",
    "Galway",
    "Tallinn",
    "Riga",
    "Vienna",
    "Prague",
    "Istanbul",
    "Cairo",
    "Lagos",
    "Nairobi",
    "Mumbai",
    "Busan",
    "Osaka",
    "Sapporo",
    "Manila",
    "Jakarta",
    "Hanoi",
    "Perth",
    "Hobart",
    "Auckland",
    "Lima",
    "Bogotá",
    "Quito",
    "Santiago",
    "Valparaíso",
    "Cusco",
    "Oaxaca",
    "Tijuana",
    "Memphis",
    "Savannah",
    "Boston",
    "Portland",
    "Detroit",
    "Halifax",
    "Quebec",
    "Yukon",
    "Alaska",
    "Montana",
    "Dakota",
    "Nevada",
    "Texas",
    "Sonora",
    "Patagonia",
    "Antwerp",
    "Gdańsk",
    "Brooklyn",
];

const HOUSE_WORDS: &[&str] = &[
    "Northlight",
    "Maple",
    "Thames",
    "Lumière",
    "Sakura",
    "Solar",
    "Fjordline",
    "Redgum",
    "Hangang",
    "Cidade",
    "Blue Door",
    "Copperline",
    "Harbourside",
    "Ironbark",
    "Juniper",
    "Kestrel",
    "Lodestar",
    "Meridian",
    "Nightjar",
    "Oakmoor",
    "Paragon",
    "Quayside",
    "Riverbend",
    "Saltmarsh",
    "Tamarind",
    "Umber",
    "Vantage",
    "Wildflower",
    "Yellowstone",
    "Zephyr",
    "Ashgrove",
    "Bellweather",
    "Cinder",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Heron",
    "Indigo",
    "Jadeite",
    "Kingfisher",
    "Larkspur",
    "Moonrise",
    "Northstar",
    "Obsidian",
    "Pinewood",
    "Quartz",
    "Rosewood",
];

const HOUSE_SUFFIXES: &[&str] = &[
    "Pictures",
    "Studios",
    "Media",
    "Productions",
    "Films",
    "Entertainment",
];

const FIRST_NAMES: &[&str] = &[
    "Alice",
    "Bruno",
    "Chloé",
    "Daniel",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Lucía",
    "Mateo",
    "Nadia",
    "Oliver",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Amara",
    "Björn",
    "Carmen",
    "Dmitri",
    "Eun-ji",
    "Fatima",
    "Greta",
    "Hiroshi",
    "Ingrid",
    "Jamal",
    "Keira",
    "Liam",
    "Mei",
    "Noah",
    "Olga",
    "Pedro",
    "Ravi",
    "Sofia",
    "Theo",
    "Valentina",
    "William",
    "Yara",
];

const LAST_NAMES: &[&str] = &[
    "Johnson",
    "Okafor",
    "Whitcombe",
    "Raman",
    "Duval",
    "Morimoto",
    "Robles",
    "Lindqvist",
    "Hartley",
    "Park",
    "Silva",
    "Müller",
    "García",
    "Rossi",
    "Nowak",
    "Kowalski",
    "Jensen",
    "Nielsen",
    "Kim",
    "Tanaka",
    "Sato",
    "Singh",
    "Patel",
    "Chen",
    "Wang",
    "Dubois",
    "Martin",
    "Bernard",
    "Fischer",
    "Weber",
    "Schneider",
    "Andersson",
    "Hansen",
    "O'Brien",
    "Murphy",
    "Santos",
    "Oliveira",
    "Fernández",
    "López",
    "Haddad",
    "Cohen",
    "Yılmaz",
    "Mensah",
    "Adeyemi",
    "Nguyen",
    "Reyes",
    "Cruz",
    "Tremblay",
];

/// (city, state, country) for addresses.
const CITIES: &[(&str, &str, &str)] = &[
    ("Los Angeles", "California", "United States"),
    ("New York", "New York", "United States"),
    ("Atlanta", "Georgia", "United States"),
    ("Toronto", "Ontario", "Canada"),
    ("Vancouver", "British Columbia", "Canada"),
    ("London", "Greater London", "United Kingdom"),
    ("Manchester", "Greater Manchester", "United Kingdom"),
    ("Paris", "Île-de-France", "France"),
    ("Lille", "Hauts-de-France", "France"),
    ("Berlin", "Berlin", "Germany"),
    ("Madrid", "Madrid", "Spain"),
    ("Rome", "Lazio", "Italy"),
    ("Stockholm", "Stockholm County", "Sweden"),
    ("Seoul", "Seoul", "South Korea"),
    ("Tokyo", "Tokyo", "Japan"),
    ("Mumbai", "Maharashtra", "India"),
    ("Mexico City", "CDMX", "Mexico"),
    ("São Paulo", "SP", "Brazil"),
    ("Buenos Aires", "CABA", "Argentina"),
    ("Sydney", "New South Wales", "Australia"),
    ("Lagos", "Lagos", "Nigeria"),
    ("Istanbul", "Istanbul", "Turkey"),
];

const STREETS: &[&str] = &[
    "Harbor Boulevard",
    "King Street West",
    "Wharf Road",
    "Rue des Ateliers",
    "Avenida Insurgentes Sur",
    "Sveavägen",
    "Ocean Street",
    "Teheran-ro",
    "Rua Augusta",
    "Queen Street East",
    "Sunset Terrace",
    "Carnaby Mews",
    "Calle Durango",
    "Götgatan",
    "Market Street",
    "Station Road",
];

#[cfg(test)]
mod tests {
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
