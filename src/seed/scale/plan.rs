//! The plan of a synthetic catalog: how many rows of each kind, which series are hits, and
//! every row's values, derived from (seed, table, row) alone.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_query::SimpleExpr;

use super::words::{
    ADJECTIVES, CITIES, COUNTRIES, FIRST_NAMES, GENRES, HOUSE_SUFFIXES, HOUSE_WORDS, LANGUAGES,
    LAST_NAMES, NOUNS, PLACES, STREETS,
};
use super::{Batch, ScaleOptions, Sizes, SplitMix64, Stream, Writer, ANCHOR, PASSWORD_HASH};
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::seed::demo_data::{EPISODE_TITLES, REVIEWS};
use crate::seed::Target;

/// What every table's rows are derived from: the sizes, and per series the figures other
/// tables depend on (popularity, episode and review counts), decided up front.
pub(super) struct Plan {
    seed: u64,
    pub(super) sizes: Sizes,
    anchor: NaiveDate,
    pub(super) series: Vec<SeriesPlan>,
}

#[derive(Clone, Debug)]
pub(super) struct SeriesPlan {
    /// Zipf weight of its popularity rank, 1.0 for the biggest hit.
    pub(super) popularity: f64,
    /// Typical rating, 1.0–5.0.
    quality: f64,
    episodes: u64,
    /// Id of its first episode.
    first_episode_id: u64,
    pub(super) reviews: u64,
    released: NaiveDate,
    origin: usize,
    /// Countries (indexes into [`COUNTRIES`]) beyond the origin where it is released.
    also_in: u64,
    scheduled: bool,
}

impl Plan {
    pub(super) fn new(options: ScaleOptions) -> Result<Plan> {
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
    pub(super) fn total_rows(&self) -> u64 {
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
    pub(super) fn generate(&self, send: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
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

pub(super) struct Links {
    genres: Vec<u64>,
    subtitles: Vec<u64>,
    dubbings: Vec<u64>,
    countries: Vec<u64>,
}

/// Splits `total` reviews over the series in proportion to their weights, at most `cap` (the
/// number of customers) each: the biggest hits are served first and anything a capped series
/// cannot take goes to the rest, in proportion again.
pub(super) fn allocate(total: u64, weights: &[f64], ranks: &[u64], cap: u64) -> Vec<u64> {
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
pub(super) fn id(index: u64) -> SimpleExpr {
    (index as i64 + 1).into()
}

pub(super) fn language_index(name: &str) -> usize {
    LANGUAGES.iter().position(|l| *l == name).unwrap_or(0)
}

pub(super) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

pub(super) fn round_to_100(cents: i64) -> i64 {
    ((cents + 50) / 100 * 100).max(100)
}

pub(super) fn bad_date() -> Error {
    Error::internal("date out of range in the synthetic data")
}

pub(super) fn street(rng: &mut SplitMix64) -> String {
    format!("{} {}", 1 + rng.below(2_000), rng.pick(STREETS))
}

pub(super) fn postal_code(rng: &mut SplitMix64) -> String {
    format!("{:05}", rng.below(100_000))
}

/// Distinct titles for the first [`TITLE_COMBINATIONS`] series (a permutation of the word
/// combinations, shifted by the seed), then the same titles with a season number.
pub(super) const TITLE_COMBINATIONS: u64 = 3 * 64 * 64;

pub(super) fn title(index: u64, offset: u64) -> String {
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
