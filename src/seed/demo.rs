//! Turns the tables of `demo_data.rs` into rows: names become ids (each table's rows get ids
//! 1, 2, … in list order, the same on SQLite and MariaDB), and an unknown or duplicated name
//! is an error before anything is written.
//!
//! [`plan`] builds every row in memory (pure, so the unit tests check the whole data set
//! without a database); [`insert`] writes the plan inside the caller's transaction.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_query::{InsertStatement, SimpleExpr};

use super::demo_data::{
    Show, Ymd, ACCOUNTS, ALLIANCES, COUNTRIES, EPISODE_TITLES, GENRES, HOUSES, LANGUAGES,
    PRODUCERS, REVIEWERS, REVIEWS, SHOWS,
};
use super::{DemoSummary, Target};
use crate::db::batch::insert_rows;
use crate::db::Tx;
use crate::error::{Error, Result};

/// Every row of the demo data, in foreign-key order, ready to insert.
pub struct DemoPlan {
    batches: Vec<Batch>,
    summary: DemoSummary,
}

/// Rows of one table, all with the template's columns.
struct Batch {
    template: InsertStatement,
    rows: Vec<Vec<SimpleExpr>>,
}

impl Batch {
    fn new(target: Target) -> Self {
        Batch {
            template: target.insert(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<SimpleExpr>) {
        self.rows.push(row);
    }

    /// The id the next row gets when ids count from 1.
    fn next_id(&self) -> i64 {
        self.rows.len() as i64 + 1
    }
}

/// The ids of one table's rows by name: position in its list, counted from 1.
struct Ids {
    what: &'static str,
    by_name: HashMap<String, i64>,
}

impl Ids {
    fn new<N: Into<String>>(
        what: &'static str,
        names: impl IntoIterator<Item = N>,
    ) -> Result<Self> {
        let mut by_name = HashMap::new();
        for (position, name) in names.into_iter().enumerate() {
            let name: String = name.into();
            if by_name.insert(name.clone(), position as i64 + 1).is_some() {
                return Err(Error::internal(format_args!(
                    "demo data: {what} {name:?} is listed twice"
                )));
            }
        }
        Ok(Ids { what, by_name })
    }

    fn of(&self, name: &str) -> Result<i64> {
        self.by_name.get(name).copied().ok_or_else(|| {
            Error::internal(format_args!("demo data: unknown {} {name:?}", self.what))
        })
    }

    fn all(&self, names: &[&str]) -> Result<Vec<i64>> {
        names.iter().map(|name| self.of(name)).collect()
    }
}

/// Every name a row may refer to.
struct Names {
    countries: Ids,
    languages: Ids,
    genres: Ids,
    houses: Ids,
    producers: Ids,
    series: Ids,
    accounts: Ids,
}

impl Names {
    fn new() -> Result<Self> {
        Ok(Names {
            countries: Ids::new("country", COUNTRIES.iter().map(|(name, _)| *name))?,
            languages: Ids::new("language", LANGUAGES.iter().copied())?,
            genres: Ids::new("genre", GENRES.iter().copied())?,
            houses: Ids::new("production house", HOUSES.iter().map(|h| h.name))?,
            // Producers are named "first last" (the middle name is left out).
            producers: Ids::new(
                "producer",
                PRODUCERS.iter().map(|p| [p.first, " ", p.last].concat()),
            )?,
            series: Ids::new("series", SHOWS.iter().map(|s| s.title))?,
            accounts: Ids::new("account", ACCOUNTS.iter().map(|a| a.username))?,
        })
    }
}

impl Names {
    /// Addresses keep the country as text, but it must be one the catalog knows.
    fn known_country(&self, name: &'static str) -> Result<&'static str> {
        self.countries.of(name).map(|_| name)
    }
}

/// Builds every row of the demo data. `hashes` are the accounts' password hashes, in the
/// order of [`ACCOUNTS`]; timestamps and airing schedules follow `now`.
pub fn plan(hashes: &[String], now: DateTime<Utc>) -> Result<DemoPlan> {
    if hashes.len() != ACCOUNTS.len() {
        return Err(Error::internal(
            "demo accounts and password hashes differ in number",
        ));
    }
    let names = Names::new()?;
    let today = now.date_naive();
    let mut batches = Vec::new();

    let mut countries = Batch::new(Target::Countries);
    for (name, region) in COUNTRIES {
        let id = names.countries.of(name)?;
        countries.push(vec![id.into(), (*name).into(), (*region).into()]);
    }
    batches.push(countries);

    for (target, ids, list) in [
        (Target::Languages, &names.languages, LANGUAGES),
        (Target::Genres, &names.genres, GENRES),
    ] {
        let mut batch = Batch::new(target);
        for name in list {
            batch.push(vec![ids.of(name)?.into(), (*name).into()]);
        }
        batches.push(batch);
    }

    let mut houses = Batch::new(Target::ProductionHouses);
    for house in HOUSES {
        houses.push(vec![
            names.houses.of(house.name)?.into(),
            house.name.into(),
            house.street.into(),
            house.city.into(),
            house.state.into(),
            house.postal_code.into(),
            names.known_country(house.country)?.into(),
            house.year_established.into(),
        ]);
    }
    batches.push(houses);

    let mut producers = Batch::new(Target::Producers);
    for p in PRODUCERS {
        producers.push(vec![
            producers.next_id().into(),
            p.first.into(),
            p.middle.map(str::to_owned).into(),
            p.last.into(),
            p.street.into(),
            p.city.into(),
            p.state.into(),
            p.postal_code.into(),
            names.known_country(p.country)?.into(),
            p.phone.into(),
            p.email.into(),
        ]);
    }
    batches.push(producers);

    let mut alliances = Batch::new(Target::ProducerAlliances);
    for alliance in ALLIANCES {
        let ended = alliance.ended.map(date).transpose()?;
        alliances.push(vec![
            alliances.next_id().into(),
            names.producers.of(alliance.producer)?.into(),
            names.houses.of(alliance.house)?.into(),
            date(alliance.started)?.into(),
            ended.into(),
        ]);
    }
    batches.push(alliances);

    let mut series = Batch::new(Target::Series);
    for show in SHOWS {
        series.push(vec![
            names.series.of(show.title)?.into(),
            show.title.into(),
            show.planned.into(),
            names.languages.of(show.language)?.into(),
            date(show.released)?.into(),
            names.countries.of(show.origin)?.into(),
            names.houses.of(show.house)?.into(),
        ]);
    }
    batches.push(series);

    // The three genre/language link tables share one shape: (series_id, other id).
    let mut genres = Batch::new(Target::SeriesGenres);
    let mut subtitles = Batch::new(Target::SeriesSubtitles);
    let mut dubbings = Batch::new(Target::SeriesDubbings);
    for show in SHOWS {
        let series_id = names.series.of(show.title)?;
        for (batch, ids) in [
            (&mut genres, names.genres.all(show.genres)?),
            (&mut subtitles, names.languages.all(show.subtitles)?),
            (&mut dubbings, names.languages.all(show.dubbings)?),
        ] {
            for other in ids {
                batch.push(vec![series_id.into(), other.into()]);
            }
        }
    }
    batches.extend([genres, subtitles, dubbings]);

    // Released at home first, then three weeks apart in each further country.
    let mut releases = Batch::new(Target::SeriesReleases);
    for show in SHOWS {
        let series_id = names.series.of(show.title)?;
        let released = date(show.released)?;
        let countries = std::iter::once(show.origin).chain(show.also_in.iter().copied());
        for (k, country) in countries.enumerate() {
            releases.push(vec![
                series_id.into(),
                names.countries.of(country)?.into(),
                add_days(released, 21 * k as u64)?.into(),
            ]);
        }
    }
    batches.push(releases);

    // Episodes, and weekly airing windows around today for every other series.
    let mut episodes = Batch::new(Target::Episodes);
    let mut schedules = Batch::new(Target::Schedules);
    for (i, show) in SHOWS.iter().enumerate() {
        let series_id = names.series.of(show.title)?;
        let scheduled = i % 2 == 0;
        let first_airing = today.checked_sub_days(Days::new(28)).ok_or_else(bad_date)?;
        let first_airing = add_days(first_airing, 7 * (i as u64 % 4))?;
        for n in 1..=show.episodes {
            let episode_id = episodes.next_id();
            let title = EPISODE_TITLES[(i * 7 + n as usize) % EPISODE_TITLES.len()];
            episodes.push(vec![
                episode_id.into(),
                series_id.into(),
                (n as i32).into(),
                title.into(),
                viewers(i, n, show).into(),
                (i * 7 + n as usize * 3).is_multiple_of(11).into(),
            ]);
            if scheduled {
                let starts_on = add_days(first_airing, 7 * u64::from(n - 1))?;
                let ends_on = add_days(starts_on, 14)?;
                schedules.push(vec![
                    schedules.next_id().into(),
                    episode_id.into(),
                    starts_on.into(),
                    ends_on.into(),
                ]);
            }
        }
    }
    let episode_count = episodes.rows.len();
    batches.extend([episodes, schedules]);

    // Licence contracts: most series have one, some a renewal; a few have none yet.
    let mut contracts = Batch::new(Target::Contracts);
    for (i, show) in SHOWS.iter().enumerate() {
        if i % 9 == 8 {
            continue;
        }
        let series_id = names.series.of(show.title)?;
        let starts_on = date(show.released)?
            .checked_sub_days(Days::new(120))
            .ok_or_else(bad_date)?;
        let ends_on = add_days(starts_on, 365 * (2 + i as u64 % 3))?;
        let charge = round_to_500(120_000 + show.audience / 8);
        contracts.push(vec![
            contracts.next_id().into(),
            series_id.into(),
            charge.into(),
            starts_on.into(),
            ends_on.into(),
        ]);
        if i % 5 == 0 {
            let renewal_ends_on = add_days(ends_on, 730)?;
            let renewal_charge = round_to_500(charge * 112 / 100);
            contracts.push(vec![
                contracts.next_id().into(),
                series_id.into(),
                renewal_charge.into(),
                ends_on.into(),
                renewal_ends_on.into(),
            ]);
        }
    }
    batches.push(contracts);

    let mut accounts = Batch::new(Target::Accounts);
    for (account, hash) in ACCOUNTS.iter().zip(hashes) {
        accounts.push(vec![
            names.accounts.of(account.username)?.into(),
            account.username.into(),
            account.email.into(),
            hash.clone().into(),
            account.role.as_str().into(),
            account.first_name.into(),
            account.last_name.into(),
            names.countries.of(account.country)?.into(),
            account.monthly_subscription_cents.into(),
            // Members for a year, so their reviews (the last three months) postdate them.
            (now - chrono::Duration::days(365)).into(),
        ]);
    }
    let account_count = accounts.rows.len();
    batches.push(accounts);

    // Each rated series gets two or three reviews; ratings scatter around its quality so the
    // averages differ, and review dates spread over the last three months.
    let reviewers = names.accounts.all(REVIEWERS)?;
    let mut feedback = Batch::new(Target::Feedback);
    for (i, show) in SHOWS.iter().enumerate() {
        if show.quality == 0 {
            continue;
        }
        let series_id = names.series.of(show.title)?;
        for (c, &account_id) in reviewers.iter().enumerate() {
            if (i + c) % 3 == 0 {
                continue;
            }
            let rating = rating(i, c, show.quality);
            let texts = REVIEWS[(rating - 1) as usize];
            let body = texts[(i + 2 * c) % texts.len()];
            let ago = chrono::Duration::hours(((i * 37 + c * 53) % 90 * 24 + (i + c) % 24) as i64);
            let recorded_at = now.checked_sub_signed(ago).ok_or_else(bad_date)?;
            feedback.push(vec![
                series_id.into(),
                account_id.into(),
                rating.into(),
                body.into(),
                recorded_at.into(),
            ]);
        }
    }
    let feedback_count = feedback.rows.len();
    batches.push(feedback);

    Ok(DemoPlan {
        batches,
        summary: DemoSummary {
            series: SHOWS.len(),
            episodes: episode_count,
            accounts: account_count,
            feedback: feedback_count,
        },
    })
}

/// Inserts the plan's rows, then computes the per-series figures the public pages read. Runs
/// inside the caller's transaction and touches the database only through `tx`.
pub async fn insert(tx: &mut Tx, plan: &DemoPlan) -> Result<DemoSummary> {
    for batch in &plan.batches {
        insert_rows(tx, &batch.template, &batch.rows).await?;
    }
    crate::series_stats::rebuild_all(tx).await?;
    crate::series_pages::rebuild_all(tx).await?;
    Ok(plan.summary)
}

fn date((year, month, day): Ymd) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad_date)
}

fn add_days(date: NaiveDate, days: u64) -> Result<NaiveDate> {
    date.checked_add_days(Days::new(days)).ok_or_else(bad_date)
}

fn bad_date() -> Error {
    Error::internal("bad date in the demo data")
}

/// Viewers of episode `n` (from 1) of the series at position `i`: the series' audience,
/// scattered by ±15 %, a stronger pilot, a fading middle and a finale bump.
fn viewers(i: usize, n: u32, show: &Show) -> i64 {
    let n = i64::from(n);
    let i = i as i64;
    let mut percent = 85 + (i * 37 + n * 53) % 31;
    if n == 1 {
        percent += 20;
    }
    if n == i64::from(show.episodes) && n > 1 {
        percent += 10;
    }
    percent -= (n - 1).min(5) * 2;
    show.audience * percent / 100
}

/// The rating reviewer `c` (0–3) gives the series at position `i`: its quality, nudged by
/// one star either way for some, kept within 1–5.
fn rating(i: usize, c: usize, quality: i64) -> i64 {
    const NUDGE: [i64; 7] = [0, 1, -1, 0, 0, 1, -1];
    (quality + NUDGE[(i * 3 + c * 2) % NUDGE.len()]).clamp(1, 5)
}

fn round_to_500(cents: i64) -> i64 {
    ((cents + 250) / 500 * 500).max(500)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::auth::Role;

    fn region_of(country: &str) -> &'static str {
        COUNTRIES
            .iter()
            .find(|(name, _)| *name == country)
            .map(|(_, region)| *region)
            .unwrap_or_else(|| panic!("unknown country {country}"))
    }

    fn countries_of(show: &Show) -> Vec<&'static str> {
        std::iter::once(show.origin)
            .chain(show.also_in.iter().copied())
            .collect()
    }

    #[test]
    fn every_name_resolves_and_the_plan_is_complete() {
        let hashes = vec![String::from("$2b$12$hash"); ACCOUNTS.len()];
        let plan = plan(&hashes, Utc::now()).expect("every name in the demo data resolves");
        assert_eq!(plan.summary.series, SHOWS.len());
        assert_eq!(plan.summary.accounts, ACCOUNTS.len());
        let episodes: u32 = SHOWS.iter().map(|s| s.episodes).sum();
        assert_eq!(plan.summary.episodes, episodes as usize);
        assert!(plan.summary.feedback > 40);
        // Each batch's rows match its template's width, which insert_rows relies on.
        for batch in &plan.batches {
            let width = batch.rows.first().map_or(0, Vec::len);
            assert!(width > 0 && batch.rows.iter().all(|r| r.len() == width));
        }
        // A missing hash is refused rather than leaving an account without a password.
        assert!(super::plan(&hashes[1..], Utc::now()).is_err());
    }

    #[test]
    fn unknown_and_duplicate_names_fail_loudly() {
        let names = Names::new().expect("names");
        assert_eq!(names.countries.of("Canada").ok(), Some(2));
        let unknown = names.countries.of("Atlantis").expect_err("unknown country");
        assert!(unknown.to_string().contains("Atlantis"), "{unknown}");
        assert!(names.genres.all(&["Drama", "Polka"]).is_err());
        assert!(names.producers.of("Margaret Okafor").is_ok());
        assert!(Ids::new("genre", ["Drama", "Comedy", "Drama"]).is_err());
    }

    #[test]
    fn tables_meet_the_contract() {
        assert!(COUNTRIES.len() >= 12);
        let regions: HashSet<_> = COUNTRIES.iter().map(|(_, region)| *region).collect();
        assert!(
            regions.len() >= 3 && regions.contains("North America") && regions.contains("Europe")
        );
        assert!(SHOWS.len() >= 30);
        assert!(HOUSES.len() >= 6);
        assert!(HOUSES
            .iter()
            .all(|h| (1800..=2100).contains(&h.year_established)));
        let houses_used: HashSet<_> = SHOWS.iter().map(|s| s.house).collect();
        assert_eq!(houses_used.len(), HOUSES.len());
        let released_in: HashSet<_> = SHOWS.iter().flat_map(countries_of).collect();
        assert_eq!(
            released_in.len(),
            COUNTRIES.len(),
            "every country has something to watch"
        );
        let usernames: HashSet<_> = ACCOUNTS.iter().map(|a| a.username).collect();
        for username in ["admin", "alice", "bob", "carol", "dave"] {
            assert!(usernames.contains(username), "{username}");
        }
        for account in ACCOUNTS {
            let expected = match account.role {
                Role::Employee => "streamvault-admin",
                Role::Customer => "streamvault-demo",
            };
            assert_eq!(account.password, expected, "{}", account.username);
        }
        assert!(REVIEWERS.iter().all(|reviewer| ACCOUNTS
            .iter()
            .any(|a| a.username == *reviewer && a.role == Role::Customer)));
    }

    #[test]
    fn every_series_is_consistent() {
        for show in SHOWS {
            let t = show.title;
            assert!(
                (3..=12).contains(&show.episodes) && show.episodes as i32 <= show.planned,
                "{t}"
            );
            assert!((2..=4).contains(&show.genres.len()), "{t}");
            assert!(
                (1..=2).contains(&show.subtitles.len()) && (1..=2).contains(&show.dubbings.len()),
                "{t}"
            );
            assert!(
                !show.subtitles.contains(&show.language) && !show.dubbings.contains(&show.language),
                "{t}"
            );
            assert!((0..=5).contains(&show.quality) && show.audience > 0, "{t}");
            assert!(date(show.released).is_ok(), "{t}");
            for names in [
                show.genres,
                show.subtitles,
                show.dubbings,
                &countries_of(show),
            ] {
                assert_eq!(
                    names.iter().collect::<HashSet<_>>().len(),
                    names.len(),
                    "duplicate in {t}"
                );
            }
        }
        let titles: HashSet<_> = SHOWS.iter().map(|s| s.title).collect();
        assert_eq!(titles.len(), SHOWS.len());
    }

    #[test]
    fn regions_query_has_every_kind_of_answer() {
        let (mut na_only, mut eu_only, mut both, mut neither) = (0, 0, 0, 0);
        for show in SHOWS {
            let regions: HashSet<_> = countries_of(show).into_iter().map(region_of).collect();
            match (
                regions.contains("North America"),
                regions.contains("Europe"),
            ) {
                (true, false) => na_only += 1,
                (false, true) => eu_only += 1,
                (true, true) => both += 1,
                (false, false) => neither += 1,
            }
        }
        assert!(
            na_only >= 3 && eu_only >= 3 && both >= 3 && neither >= 3,
            "{na_only} {eu_only} {both} {neither}"
        );
    }

    #[test]
    fn alliances_are_unique_and_well_dated() {
        let pairs: HashSet<_> = ALLIANCES.iter().map(|a| (a.producer, a.house)).collect();
        assert_eq!(pairs.len(), ALLIANCES.len());
        assert!(ALLIANCES.len() >= 10);
        for alliance in ALLIANCES {
            let started = date(alliance.started).expect("valid start");
            if let Some(ended) = alliance.ended {
                assert!(date(ended).expect("valid end") > started);
            }
        }
    }

    #[test]
    fn viewers_and_ratings_vary() {
        let mut totals = HashSet::new();
        for (i, show) in SHOWS.iter().enumerate() {
            let total: i64 = (1..=show.episodes).map(|n| viewers(i, n, show)).sum();
            assert!(total > 0);
            totals.insert(total);
        }
        assert_eq!(totals.len(), SHOWS.len());
        let unrated = SHOWS.iter().filter(|s| s.quality == 0).count();
        assert!((2..=3).contains(&unrated));
        for texts in REVIEWS {
            assert!(texts.iter().all(|t| t.chars().count() <= 400));
        }
        for i in 0..SHOWS.len() {
            for c in 0..REVIEWERS.len() {
                assert!((1..=5).contains(&rating(i, c, 1)) && (1..=5).contains(&rating(i, c, 5)));
            }
        }
    }
}
