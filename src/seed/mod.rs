//! The demo data set of CONTRACT §3: five accounts and a catalog big enough that every page,
//! filter and analytics chart has something to show.
//!
//! The data lives in compact tables below; small loops turn them into rows. Everything is
//! deterministic (viewer counts, ratings and dates derive from table positions with simple
//! arithmetic), except for timestamps and schedules, which follow the `now` passed in so the
//! demo looks current whenever it is loaded.
//!
//! Reference rows get explicit ids (countries 1..N, series 1..N, episodes 1..N, …) so foreign
//! keys can be written directly; that works the same on SQLite and MariaDB.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_query::{InsertStatement, Query, SimpleExpr};

use crate::auth::password;
use crate::db::schema::{
    Accounts, Contracts, Countries, Episodes, Feedback, Genres, Languages, ProducerAlliances,
    Producers, ProductionHouses, Schedules, Series, SeriesDubbings, SeriesGenres, SeriesReleases,
    SeriesSubtitles,
};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// Rows per INSERT statement: keeps every statement far below SQLite's and MySQL's
/// bound-parameter limits (at most 10 columns here, so at most 2,000 parameters).
const ROWS_PER_STATEMENT: usize = 200;

/// True when there is neither a series nor an account: the only state into which
/// `serve --demo` loads the demo data without being forced.
pub async fn catalog_is_empty(db: &Db) -> Result<bool> {
    let series = db.count_rows(Series::Table).await?;
    let accounts = db.count_rows(Accounts::Table).await?;
    Ok(series == 0 && accounts == 0)
}

/// How many rows of the headline entities [`load_demo`] inserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub series: usize,
    pub episodes: usize,
    pub accounts: usize,
    pub feedback: usize,
}

/// Loads the whole demo data set in one transaction: either all of it is there or none.
///
/// The five passwords are hashed first: bcrypt is slow, and a transaction (which may be
/// re-run after a deadlock or a busy database) should hold its locks only for the inserts.
pub async fn load_demo(db: &Db, now: DateTime<Utc>) -> Result<DemoSummary> {
    let hashes = hash_demo_passwords().await?;
    db.transaction(move |tx| {
        let hashes = hashes.clone();
        Box::pin(async move { insert_demo(tx, &hashes, now).await })
    })
    .await
}

async fn hash_demo_passwords() -> Result<Vec<String>> {
    futures::future::try_join_all(
        ACCOUNTS
            .iter()
            .map(|account| password::hash(account.password)),
    )
    .await
}

/// `seed --demo --force`: empties the catalog, the accounts (with their sessions and tokens)
/// and everything that refers to them, then loads the demo data, all in one transaction.
pub async fn replace_with_demo(db: &Db, now: DateTime<Utc>) -> Result<DemoSummary> {
    let hashes = hash_demo_passwords().await?;
    db.transaction(move |tx| {
        let hashes = hashes.clone();
        Box::pin(async move {
            clear_demo_tables(tx).await?;
            insert_demo(tx, &hashes, now).await
        })
    })
    .await
}

/// Deletes children before parents so foreign keys hold at every step.
async fn clear_demo_tables(tx: &mut Tx) -> Result<()> {
    use crate::db::schema::{AuditLog, PasswordResetTokens, SeriesStats, Sessions};
    let tables: [sea_query::DynIden; 20] = [
        sea_query::SeaRc::new(Feedback::Table),
        sea_query::SeaRc::new(SeriesStats::Table),
        sea_query::SeaRc::new(Schedules::Table),
        sea_query::SeaRc::new(Contracts::Table),
        sea_query::SeaRc::new(Episodes::Table),
        sea_query::SeaRc::new(SeriesGenres::Table),
        sea_query::SeaRc::new(SeriesSubtitles::Table),
        sea_query::SeaRc::new(SeriesDubbings::Table),
        sea_query::SeaRc::new(SeriesReleases::Table),
        sea_query::SeaRc::new(Series::Table),
        sea_query::SeaRc::new(ProducerAlliances::Table),
        sea_query::SeaRc::new(Producers::Table),
        sea_query::SeaRc::new(ProductionHouses::Table),
        sea_query::SeaRc::new(Sessions::Table),
        sea_query::SeaRc::new(PasswordResetTokens::Table),
        sea_query::SeaRc::new(AuditLog::Table),
        sea_query::SeaRc::new(Accounts::Table),
        sea_query::SeaRc::new(Genres::Table),
        sea_query::SeaRc::new(Languages::Table),
        sea_query::SeaRc::new(Countries::Table),
    ];
    for table in tables {
        tx.execute(&Query::delete().from_table(table).to_owned())
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The data. Ids are positions in these tables, counted from 1.
// ---------------------------------------------------------------------------------------------

/// (name, region). Regions `North America` and `Europe` are the analytics defaults.
const COUNTRIES: &[(&str, &str)] = &[
    ("United States", "North America"), // 1
    ("Canada", "North America"),        // 2
    ("Mexico", "North America"),        // 3
    ("United Kingdom", "Europe"),       // 4
    ("France", "Europe"),               // 5
    ("Germany", "Europe"),              // 6
    ("Spain", "Europe"),                // 7
    ("Italy", "Europe"),                // 8
    ("Sweden", "Europe"),               // 9
    ("Japan", "Asia"),                  // 10
    ("South Korea", "Asia"),            // 11
    ("India", "Asia"),                  // 12
    ("Brazil", "Latin America"),        // 13
    ("Argentina", "Latin America"),     // 14
    ("Colombia", "Latin America"),      // 15
    ("Australia", "Oceania"),           // 16
];

const LANGUAGES: &[&str] = &[
    "English",    // 1
    "Spanish",    // 2
    "French",     // 3
    "German",     // 4
    "Japanese",   // 5
    "Korean",     // 6
    "Portuguese", // 7
    "Italian",    // 8
    "Swedish",    // 9
    "Hindi",      // 10
];

const GENRES: &[&str] = &[
    "Drama",           // 1
    "Comedy",          // 2
    "Crime",           // 3
    "Science Fiction", // 4
    "Thriller",        // 5
    "Fantasy",         // 6
    "Romance",         // 7
    "Documentary",     // 8
    "Historical",      // 9
    "Animation",       // 10
];

struct House {
    name: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    postal_code: &'static str,
    country: &'static str,
    year_established: i32,
}

const HOUSES: &[House] = &[
    House {
        name: "Northlight Pictures",
        street: "1200 Harbor Boulevard",
        city: "Los Angeles",
        state: "California",
        postal_code: "90015",
        country: "United States",
        year_established: 1998,
    },
    House {
        name: "Maple Leaf Studios",
        street: "45 King Street West",
        city: "Toronto",
        state: "Ontario",
        postal_code: "M5H 1J8",
        country: "Canada",
        year_established: 1987,
    },
    House {
        name: "Thames & Finch Productions",
        street: "22 Wharf Road",
        city: "London",
        state: "Greater London",
        postal_code: "N1 7GR",
        country: "United Kingdom",
        year_established: 1962,
    },
    House {
        name: "Studio Lumière Nord",
        street: "14 Rue des Ateliers",
        city: "Lille",
        state: "Hauts-de-France",
        postal_code: "59000",
        country: "France",
        year_established: 1931,
    },
    House {
        name: "Sakura Gate Entertainment",
        street: "3-8-1 Shibuya",
        city: "Shibuya-ku",
        state: "Tokyo",
        postal_code: "150-0002",
        country: "Japan",
        year_established: 2004,
    },
    House {
        name: "Casa Solar Producciones",
        street: "Avenida Insurgentes Sur 1602",
        city: "Mexico City",
        state: "CDMX",
        postal_code: "03940",
        country: "Mexico",
        year_established: 1979,
    },
    House {
        name: "Fjordline Media",
        street: "Sveavägen 44",
        city: "Stockholm",
        state: "Stockholm County",
        postal_code: "111 34",
        country: "Sweden",
        year_established: 2011,
    },
];

struct Producer {
    first: &'static str,
    middle: Option<&'static str>,
    last: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    postal_code: &'static str,
    country: &'static str,
    phone: &'static str,
    email: &'static str,
}

const PRODUCERS: &[Producer] = &[
    Producer {
        first: "Margaret",
        middle: Some("Ellen"),
        last: "Okafor",
        street: "88 Sunset Terrace",
        city: "Los Angeles",
        state: "California",
        postal_code: "90026",
        country: "United States",
        phone: "+1 213 555 0142",
        email: "m.okafor@northlight.example",
    },
    Producer {
        first: "Daniel",
        middle: None,
        last: "Whitcombe",
        street: "17 Queen Street East",
        city: "Toronto",
        state: "Ontario",
        postal_code: "M5C 2M6",
        country: "Canada",
        phone: "+1 416 555 0187",
        email: "d.whitcombe@mapleleaf.example",
    },
    Producer {
        first: "Priya",
        middle: Some("Anand"),
        last: "Raman",
        street: "5 Carnaby Mews",
        city: "London",
        state: "Greater London",
        postal_code: "W1F 9PS",
        country: "United Kingdom",
        phone: "+44 20 7946 0321",
        email: "p.raman@thamesfinch.example",
    },
    Producer {
        first: "Hélène",
        middle: Some("Marie"),
        last: "Duval",
        street: "9 Rue Nationale",
        city: "Lille",
        state: "Hauts-de-France",
        postal_code: "59800",
        country: "France",
        phone: "+33 3 20 55 01 74",
        email: "h.duval@lumierenord.example",
    },
    Producer {
        first: "Kenji",
        middle: None,
        last: "Morimoto",
        street: "2-14-7 Ebisu",
        city: "Shibuya-ku",
        state: "Tokyo",
        postal_code: "150-0013",
        country: "Japan",
        phone: "+81 3 5555 0199",
        email: "k.morimoto@sakuragate.example",
    },
    Producer {
        first: "Lucía",
        middle: Some("Fernanda"),
        last: "Robles",
        street: "Calle Durango 214",
        city: "Mexico City",
        state: "CDMX",
        postal_code: "06700",
        country: "Mexico",
        phone: "+52 55 5555 0163",
        email: "l.robles@casasolar.example",
    },
    Producer {
        first: "Astrid",
        middle: None,
        last: "Lindqvist",
        street: "Götgatan 12",
        city: "Stockholm",
        state: "Stockholm County",
        postal_code: "118 46",
        country: "Sweden",
        phone: "+46 8 555 012 34",
        email: "a.lindqvist@fjordline.example",
    },
    Producer {
        first: "Thomas",
        middle: Some("James"),
        last: "Hartley",
        street: "41 Ocean Street",
        city: "Sydney",
        state: "New South Wales",
        postal_code: "2000",
        country: "Australia",
        phone: "+61 2 5550 1234",
        email: "t.hartley@redgum.example",
    },
    Producer {
        first: "Ji-woo",
        middle: None,
        last: "Park",
        street: "23 Teheran-ro",
        city: "Gangnam-gu",
        state: "Seoul",
        postal_code: "06142",
        country: "South Korea",
        phone: "+82 2 555 0117",
        email: "j.park@hangang.example",
    },
    Producer {
        first: "Mateo",
        middle: Some("Andrés"),
        last: "Silva",
        street: "Rua Augusta 1508",
        city: "São Paulo",
        state: "SP",
        postal_code: "01304-001",
        country: "Brazil",
        phone: "+55 11 5555 0148",
        email: "m.silva@cidadeazul.example",
    },
];

/// (producer id, production house id, started on, ended on — None while it lasts).
type Ymd = (i32, u32, u32);
const ALLIANCES: &[(i64, i64, Ymd, Option<Ymd>)] = &[
    (1, 1, (2012, 3, 1), None),
    (1, 3, (2015, 6, 15), Some((2019, 12, 31))),
    (2, 2, (2010, 9, 1), None),
    (3, 3, (2014, 1, 10), None),
    (3, 1, (2020, 2, 1), Some((2023, 8, 31))),
    (4, 4, (2008, 5, 5), None),
    (4, 7, (2019, 1, 15), Some((2022, 1, 14))),
    (5, 5, (2006, 4, 1), None),
    (6, 6, (2011, 11, 11), None),
    (7, 7, (2013, 2, 18), None),
    (8, 3, (2016, 7, 1), Some((2021, 6, 30))),
    (8, 2, (2021, 9, 1), None),
    (9, 5, (2018, 10, 1), None),
    (10, 6, (2017, 3, 20), None),
];

/// One series and everything hanging off it.
struct Show {
    title: &'static str,
    /// Original language (id in [`LANGUAGES`]).
    lang: i64,
    /// Origin country (id in [`COUNTRIES`]); also the first entry of `countries`.
    origin: i64,
    house: i64,
    released: Ymd,
    planned: i32,
    /// Episodes that exist (3–12, at most `planned`).
    episodes: u32,
    /// Typical viewers of one episode; episodes vary around it.
    audience: i64,
    /// Typical rating (1–5) the demo customers give; 0 leaves the series unrated.
    quality: i64,
    genres: &'static [i64],
    subtitles: &'static [i64],
    dubbings: &'static [i64],
    /// Where it is available, origin first. North America = 1–3, Europe = 4–9.
    countries: &'static [i64],
}

#[rustfmt::skip]
const SHOWS: &[Show] = &[
    // Only in North America, in Europe, in both, or elsewhere: the `regions` query needs each.
    Show { title: "The Lantern Keepers", lang: 1, origin: 1, house: 1, released: (2019, 3, 8), planned: 10, episodes: 10, audience: 2_400_000, quality: 5,
           genres: &[1, 9], subtitles: &[2, 3], dubbings: &[2], countries: &[1, 2, 3, 4, 5, 6] },
    Show { title: "Saltwater Saints", lang: 1, origin: 1, house: 1, released: (2021, 6, 18), planned: 8, episodes: 8, audience: 1_150_000, quality: 4,
           genres: &[3, 1, 5], subtitles: &[2], dubbings: &[2], countries: &[1, 2] },
    Show { title: "Mile Zero", lang: 1, origin: 2, house: 2, released: (2020, 9, 25), planned: 10, episodes: 9, audience: 640_000, quality: 3,
           genres: &[1, 5], subtitles: &[3], dubbings: &[3], countries: &[2, 1] },
    Show { title: "Northern Static", lang: 1, origin: 2, house: 2, released: (2022, 1, 14), planned: 6, episodes: 6, audience: 310_000, quality: 4,
           genres: &[4, 5], subtitles: &[3, 2], dubbings: &[3], countries: &[2, 1, 4, 9] },
    Show { title: "Ferryland", lang: 1, origin: 2, house: 2, released: (2018, 10, 5), planned: 12, episodes: 12, audience: 185_000, quality: 3,
           genres: &[2, 1], subtitles: &[3], dubbings: &[3], countries: &[2] },
    Show { title: "The Quiet Census", lang: 1, origin: 4, house: 3, released: (2017, 4, 21), planned: 6, episodes: 6, audience: 890_000, quality: 5,
           genres: &[3, 1], subtitles: &[3, 4], dubbings: &[4], countries: &[4, 5, 6, 9] },
    Show { title: "Pennywhistle Lane", lang: 1, origin: 4, house: 3, released: (2020, 11, 13), planned: 8, episodes: 8, audience: 420_000, quality: 2,
           genres: &[2, 7], subtitles: &[3], dubbings: &[8], countries: &[4, 8] },
    Show { title: "Iron & Ivy", lang: 1, origin: 4, house: 3, released: (2023, 2, 24), planned: 10, episodes: 7, audience: 1_720_000, quality: 4,
           genres: &[9, 1, 7], subtitles: &[2, 3], dubbings: &[2, 4], countries: &[4, 5, 7, 8, 1, 2, 16] },
    Show { title: "The Cartographer's Daughter", lang: 1, origin: 4, house: 3, released: (2016, 9, 2), planned: 6, episodes: 6, audience: 560_000, quality: 4,
           genres: &[9, 6, 1], subtitles: &[3], dubbings: &[3], countries: &[4, 16] },
    Show { title: "Les Heures bleues", lang: 3, origin: 5, house: 4, released: (2019, 5, 17), planned: 8, episodes: 8, audience: 270_000, quality: 4,
           genres: &[1, 7], subtitles: &[1, 2], dubbings: &[1], countries: &[5, 6, 8] },
    Show { title: "Brigade Nord", lang: 3, origin: 5, house: 4, released: (2021, 10, 8), planned: 10, episodes: 10, audience: 980_000, quality: 3,
           genres: &[3, 5], subtitles: &[1, 4], dubbings: &[1, 4], countries: &[5, 4, 6, 7, 2] },
    Show { title: "Le Dernier Phare", lang: 3, origin: 5, house: 4, released: (2015, 1, 30), planned: 4, episodes: 4, audience: 75_000, quality: 0,
           genres: &[8, 9], subtitles: &[1], dubbings: &[1], countries: &[5] },
    Show { title: "Atelier Minuit", lang: 3, origin: 5, house: 4, released: (2024, 3, 15), planned: 8, episodes: 5, audience: 140_000, quality: 2,
           genres: &[2, 1], subtitles: &[1], dubbings: &[2], countries: &[5, 2] },
    Show { title: "Tiefer Grund", lang: 4, origin: 6, house: 7, released: (2020, 2, 7), planned: 6, episodes: 6, audience: 720_000, quality: 4,
           genres: &[3, 5], subtitles: &[1, 3], dubbings: &[1], countries: &[6, 9, 4] },
    Show { title: "Kaltes Licht", lang: 4, origin: 6, house: 7, released: (2022, 9, 30), planned: 8, episodes: 8, audience: 210_000, quality: 3,
           genres: &[4, 1], subtitles: &[1], dubbings: &[1, 3], countries: &[6, 5, 1] },
    Show { title: "Vinterhamn", lang: 9, origin: 9, house: 7, released: (2018, 11, 23), planned: 10, episodes: 10, audience: 1_340_000, quality: 5,
           genres: &[3, 5, 1], subtitles: &[1, 4], dubbings: &[1, 4], countries: &[9, 4, 6, 5, 1, 2] },
    Show { title: "Midsommarljus", lang: 9, origin: 9, house: 7, released: (2023, 6, 16), planned: 6, episodes: 6, audience: 96_000, quality: 1,
           genres: &[7, 2], subtitles: &[1], dubbings: &[1], countries: &[9] },
    Show { title: "La Costa Rota", lang: 2, origin: 7, house: 6, released: (2021, 4, 9), planned: 8, episodes: 8, audience: 860_000, quality: 4,
           genres: &[3, 1, 5], subtitles: &[1, 7], dubbings: &[1], countries: &[7, 3, 14, 15] },
    Show { title: "Il giardino dei limoni", lang: 8, origin: 8, house: 4, released: (2017, 7, 14), planned: 6, episodes: 6, audience: 330_000, quality: 3,
           genres: &[7, 1, 9], subtitles: &[1, 3], dubbings: &[1], countries: &[8, 5, 7] },
    Show { title: "Sombra del Desierto", lang: 2, origin: 3, house: 6, released: (2019, 8, 30), planned: 12, episodes: 12, audience: 1_980_000, quality: 4,
           genres: &[3, 5, 1], subtitles: &[1], dubbings: &[1, 7], countries: &[3, 1, 13, 14, 15] },
    Show { title: "Mariachi de Medianoche", lang: 2, origin: 3, house: 6, released: (2022, 12, 2), planned: 8, episodes: 7, audience: 450_000, quality: 3,
           genres: &[2, 7], subtitles: &[1], dubbings: &[1], countries: &[3, 1] },
    Show { title: "Los Años de Plata", lang: 2, origin: 15, house: 6, released: (2016, 3, 18), planned: 12, episodes: 11, audience: 260_000, quality: 2,
           genres: &[1, 9, 7], subtitles: &[1, 7], dubbings: &[7], countries: &[15, 14, 13] },
    Show { title: "Cidade Submersa", lang: 7, origin: 13, house: 6, released: (2021, 8, 20), planned: 8, episodes: 8, audience: 780_000, quality: 4,
           genres: &[4, 5], subtitles: &[1, 2], dubbings: &[2], countries: &[13, 14, 15] },
    Show { title: "Tango para Tres", lang: 2, origin: 14, house: 6, released: (2018, 5, 25), planned: 6, episodes: 6, audience: 55_000, quality: 0,
           genres: &[2, 7, 1], subtitles: &[1], dubbings: &[1, 7], countries: &[14] },
    Show { title: "Kitsune no Mori", lang: 5, origin: 10, house: 5, released: (2020, 4, 3), planned: 12, episodes: 12, audience: 2_150_000, quality: 5,
           genres: &[10, 6], subtitles: &[1, 2], dubbings: &[1, 2], countries: &[10, 11, 1, 2, 4, 5, 6, 7, 13, 16] },
    Show { title: "Yoru no Kanrinin", lang: 5, origin: 10, house: 5, released: (2022, 7, 8), planned: 10, episodes: 10, audience: 880_000, quality: 4,
           genres: &[1, 5, 3], subtitles: &[1, 6], dubbings: &[1], countries: &[10, 11, 12] },
    Show { title: "Hoshi o Kazoeru", lang: 5, origin: 10, house: 5, released: (2023, 10, 6), planned: 12, episodes: 8, audience: 1_260_000, quality: 3,
           genres: &[10, 4, 2], subtitles: &[1], dubbings: &[1, 6], countries: &[10, 1] },
    Show { title: "Hangang Tamjeong", lang: 6, origin: 11, house: 5, released: (2021, 2, 19), planned: 12, episodes: 12, audience: 3_100_000, quality: 5,
           genres: &[3, 2, 1], subtitles: &[1, 5], dubbings: &[1, 5], countries: &[11, 10, 1, 4, 5, 7, 12, 16] },
    Show { title: "Dalbit Jeongwon", lang: 6, origin: 11, house: 5, released: (2019, 12, 13), planned: 8, episodes: 8, audience: 540_000, quality: 4,
           genres: &[7, 1], subtitles: &[1], dubbings: &[5], countries: &[11, 10] },
    Show { title: "Barsaat Ka Hisaab", lang: 10, origin: 12, house: 1, released: (2022, 5, 27), planned: 10, episodes: 9, audience: 1_540_000, quality: 3,
           genres: &[1, 3], subtitles: &[1], dubbings: &[1], countries: &[12, 16, 4] },
    Show { title: "Chandni Chowk Express", lang: 10, origin: 12, house: 1, released: (2020, 10, 16), planned: 6, episodes: 6, audience: 690_000, quality: 2,
           genres: &[2, 1], subtitles: &[1], dubbings: &[1], countries: &[12] },
    Show { title: "Red Dust Frequencies", lang: 1, origin: 16, house: 3, released: (2018, 2, 16), planned: 6, episodes: 6, audience: 150_000, quality: 3,
           genres: &[4, 1, 5], subtitles: &[2], dubbings: &[2], countries: &[16, 4, 1] },
    Show { title: "The Long Paddock", lang: 1, origin: 16, house: 2, released: (2016, 8, 12), planned: 8, episodes: 8, audience: 42_000, quality: 0,
           genres: &[1, 9], subtitles: &[3], dubbings: &[3], countries: &[16] },
    Show { title: "Glass Harbour", lang: 1, origin: 1, house: 1, released: (2024, 9, 20), planned: 10, episodes: 4, audience: 2_800_000, quality: 2,
           genres: &[4, 5], subtitles: &[2, 3], dubbings: &[2], countries: &[1, 2, 3] },
    Show { title: "Prairie Lights Bakery", lang: 1, origin: 2, house: 2, released: (2023, 11, 24), planned: 8, episodes: 3, audience: 8_500, quality: 5,
           genres: &[2, 7], subtitles: &[3], dubbings: &[3], countries: &[2] },
    Show { title: "The Silent Archive", lang: 1, origin: 4, house: 3, released: (2021, 3, 5), planned: 4, episodes: 4, audience: 12_000, quality: 4,
           genres: &[8, 9], subtitles: &[3, 4], dubbings: &[3], countries: &[4, 6, 9, 16] },
];

/// Episode titles, picked by a stride through the list (distinct within a series).
const EPISODE_TITLES: &[&str] = &[
    "The Long Way Home",
    "Low Tide",
    "Paper Lanterns",
    "What the River Knows",
    "Signal and Noise",
    "A Door Left Open",
    "Borrowed Time",
    "The Second Key",
    "Cold Open",
    "Glass Houses",
    "Undertow",
    "Small Hours",
    "The Reckoning",
    "Nine Lives",
    "Static",
    "Crossing Lines",
    "The Ledger",
    "First Light",
    "Harbour Lights",
    "Salt and Iron",
    "The Quiet Part",
    "Fault Lines",
    "Homecoming",
    "Night Ferry",
    "The Inheritance",
    "Smoke Signals",
    "Parallax",
    "Open Water",
    "The Witness",
    "Blind Corner",
    "Last Orders",
    "Long Shadows",
    "Echoes",
    "The Visitor",
    "Thin Ice",
    "Deadweight",
    "Wildfire",
    "The Offer",
    "Breakwater",
    "Sleepers",
    "All That Remains",
    "The Bargain",
    "Flood Season",
    "Northbound",
    "Half Light",
    "Ghost Notes",
    "Point of No Return",
    "Endgame",
];

struct DemoAccount {
    username: &'static str,
    email: &'static str,
    password: &'static str,
    role: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    country_id: i64,
    monthly_subscription_cents: i64,
}

/// Account ids are positions counted from 1; the customers (ids 2–5) write the feedback.
const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        email: "admin@streamvault.local",
        password: "streamvault-admin",
        role: "employee",
        first_name: "Morgan",
        last_name: "Reyes",
        country_id: 1,
        monthly_subscription_cents: 0,
    },
    DemoAccount {
        username: "alice",
        email: "alice@example.com",
        password: "streamvault-demo",
        role: "customer",
        first_name: "Alice",
        last_name: "Johnson",
        country_id: 1,
        monthly_subscription_cents: 999,
    },
    DemoAccount {
        username: "bob",
        email: "bob@example.com",
        password: "streamvault-demo",
        role: "customer",
        first_name: "Bob",
        last_name: "Harris",
        country_id: 4,
        monthly_subscription_cents: 1499,
    },
    DemoAccount {
        username: "carol",
        email: "carol@example.com",
        password: "streamvault-demo",
        role: "customer",
        first_name: "Carol",
        last_name: "Tremblay",
        country_id: 2,
        monthly_subscription_cents: 999,
    },
    DemoAccount {
        username: "dave",
        email: "dave@example.com",
        password: "streamvault-demo",
        role: "customer",
        first_name: "Dave",
        last_name: "Fischer",
        country_id: 6,
        monthly_subscription_cents: 1499,
    },
];

/// Review texts by rating (index 0 = one star); one is chosen per review, some are left empty.
const REVIEWS: [&[&str]; 5] = [
    &[
        "Could not get past the second episode. The plot goes nowhere and the dialogue is painful.",
        "A waste of a good cast. Muddled, slow and strangely joyless.",
        "",
    ],
    &[
        "A few nice moments, but mostly predictable. The pacing drags in the middle.",
        "Looks great, says very little. I stopped caring about the characters halfway through.",
        "Promising premise, weak execution. The finale tries to fix everything at once.",
    ],
    &[
        "Solid and watchable. Nothing I will remember next year, but a pleasant weekend binge.",
        "Uneven: the strong episodes are very strong, the filler is very filler.",
        "",
        "Good performances carry a script that plays it safe.",
    ],
    &[
        "Gripping from the first scene. A couple of loose threads, but I watched it in two nights.",
        "Smart writing and a lead performance that deserves every award going.",
        "Beautifully shot, patient storytelling. The last two episodes are superb.",
    ],
    &[
        "An instant favourite. Every episode earns its place and the ending is perfect.",
        "The best thing I have watched this year. Funny, moving and completely original.",
        "",
        "Masterful. I rewatched it straight away to catch everything I missed the first time.",
    ],
];

// ---------------------------------------------------------------------------------------------
// Loading.
// ---------------------------------------------------------------------------------------------

/// Inserts every table in foreign-key order. Runs inside the transaction, so it touches the
/// database only through `tx` and builds all its rows afresh on each run.
async fn insert_demo(tx: &mut Tx, hashes: &[String], now: DateTime<Utc>) -> Result<DemoSummary> {
    let today = now.date_naive();

    let mut rows = Rows::default();
    for (i, (name, region)) in COUNTRIES.iter().enumerate() {
        rows.push(vec![id(i), (*name).into(), (*region).into()]);
    }
    let mut insert = Query::insert();
    insert.into_table(Countries::Table).columns([
        Countries::Id,
        Countries::Name,
        Countries::Region,
    ]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, name) in LANGUAGES.iter().enumerate() {
        rows.push(vec![id(i), (*name).into()]);
    }
    let mut insert = Query::insert();
    insert
        .into_table(Languages::Table)
        .columns([Languages::Id, Languages::Name]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, name) in GENRES.iter().enumerate() {
        rows.push(vec![id(i), (*name).into()]);
    }
    let mut insert = Query::insert();
    insert
        .into_table(Genres::Table)
        .columns([Genres::Id, Genres::Name]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, house) in HOUSES.iter().enumerate() {
        rows.push(vec![
            id(i),
            house.name.into(),
            house.street.into(),
            house.city.into(),
            house.state.into(),
            house.postal_code.into(),
            house.country.into(),
            house.year_established.into(),
        ]);
    }
    let mut insert = Query::insert();
    insert.into_table(ProductionHouses::Table).columns([
        ProductionHouses::Id,
        ProductionHouses::Name,
        ProductionHouses::Street,
        ProductionHouses::City,
        ProductionHouses::State,
        ProductionHouses::PostalCode,
        ProductionHouses::Country,
        ProductionHouses::YearEstablished,
    ]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, p) in PRODUCERS.iter().enumerate() {
        rows.push(vec![
            id(i),
            p.first.into(),
            p.middle.map(str::to_owned).into(),
            p.last.into(),
            p.street.into(),
            p.city.into(),
            p.state.into(),
            p.postal_code.into(),
            p.country.into(),
            p.phone.into(),
            p.email.into(),
        ]);
    }
    let mut insert = Query::insert();
    insert.into_table(Producers::Table).columns([
        Producers::Id,
        Producers::FirstName,
        Producers::MiddleName,
        Producers::LastName,
        Producers::Street,
        Producers::City,
        Producers::State,
        Producers::PostalCode,
        Producers::Country,
        Producers::Phone,
        Producers::Email,
    ]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, &(producer, house, started, ended)) in ALLIANCES.iter().enumerate() {
        let ended = match ended {
            Some(ymd) => Some(date(ymd)?),
            None => None,
        };
        rows.push(vec![
            id(i),
            producer.into(),
            house.into(),
            date(started)?.into(),
            ended.into(),
        ]);
    }
    let mut insert = Query::insert();
    insert.into_table(ProducerAlliances::Table).columns([
        ProducerAlliances::Id,
        ProducerAlliances::ProducerId,
        ProducerAlliances::ProductionHouseId,
        ProducerAlliances::StartedOn,
        ProducerAlliances::EndedOn,
    ]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, show) in SHOWS.iter().enumerate() {
        rows.push(vec![
            id(i),
            show.title.into(),
            show.planned.into(),
            show.lang.into(),
            date(show.released)?.into(),
            show.origin.into(),
            show.house.into(),
        ]);
    }
    let mut insert = Query::insert();
    insert.into_table(Series::Table).columns([
        Series::Id,
        Series::Title,
        Series::PlannedEpisodes,
        Series::LanguageId,
        Series::ReleaseDate,
        Series::OriginCountryId,
        Series::ProductionHouseId,
    ]);
    rows.insert(tx, &insert).await?;

    // The three language/genre link tables share one shape: (series_id, other id).
    let mut genres = Rows::default();
    let mut subtitles = Rows::default();
    let mut dubbings = Rows::default();
    for (i, show) in SHOWS.iter().enumerate() {
        for (list, ids) in [
            (&mut genres, show.genres),
            (&mut subtitles, show.subtitles),
            (&mut dubbings, show.dubbings),
        ] {
            for &other in ids {
                list.push(vec![id(i), other.into()]);
            }
        }
    }
    let mut insert = Query::insert();
    insert
        .into_table(SeriesGenres::Table)
        .columns([SeriesGenres::SeriesId, SeriesGenres::GenreId]);
    genres.insert(tx, &insert).await?;
    let mut insert = Query::insert();
    insert
        .into_table(SeriesSubtitles::Table)
        .columns([SeriesSubtitles::SeriesId, SeriesSubtitles::LanguageId]);
    subtitles.insert(tx, &insert).await?;
    let mut insert = Query::insert();
    insert
        .into_table(SeriesDubbings::Table)
        .columns([SeriesDubbings::SeriesId, SeriesDubbings::LanguageId]);
    dubbings.insert(tx, &insert).await?;

    // Released at home first, then three weeks apart in each further country.
    let mut rows = Rows::default();
    for (i, show) in SHOWS.iter().enumerate() {
        let released = date(show.released)?;
        for (k, &country) in show.countries.iter().enumerate() {
            rows.push(vec![
                id(i),
                country.into(),
                add_days(released, 21 * k as u64)?.into(),
            ]);
        }
    }
    let mut insert = Query::insert();
    insert.into_table(SeriesReleases::Table).columns([
        SeriesReleases::SeriesId,
        SeriesReleases::CountryId,
        SeriesReleases::ReleasedOn,
    ]);
    rows.insert(tx, &insert).await?;

    // Episodes, and weekly airing windows around today for every other series.
    let mut episodes = Rows::default();
    let mut schedules = Rows::default();
    let mut episode_id: i64 = 0;
    for (i, show) in SHOWS.iter().enumerate() {
        let scheduled = i % 2 == 0;
        let first_airing = today.checked_sub_days(Days::new(28)).ok_or_else(bad_date)?;
        let first_airing = add_days(first_airing, 7 * (i as u64 % 4))?;
        for n in 1..=show.episodes {
            episode_id += 1;
            let title = EPISODE_TITLES[(i * 7 + n as usize) % EPISODE_TITLES.len()];
            episodes.push(vec![
                episode_id.into(),
                id(i),
                (n as i32).into(),
                title.into(),
                viewers(i, n, show).into(),
                (i * 7 + n as usize * 3).is_multiple_of(11).into(),
            ]);
            if scheduled {
                let starts_on = add_days(first_airing, 7 * u64::from(n - 1))?;
                let ends_on = add_days(starts_on, 14)?;
                let schedule_id = schedules.len() as i64 + 1;
                schedules.push(vec![
                    schedule_id.into(),
                    episode_id.into(),
                    starts_on.into(),
                    ends_on.into(),
                ]);
            }
        }
    }
    let episode_count = episodes.len();
    let mut insert = Query::insert();
    insert.into_table(Episodes::Table).columns([
        Episodes::Id,
        Episodes::SeriesId,
        Episodes::Number,
        Episodes::Title,
        Episodes::TotalViewers,
        Episodes::TechInterrupt,
    ]);
    episodes.insert(tx, &insert).await?;
    let mut insert = Query::insert();
    insert.into_table(Schedules::Table).columns([
        Schedules::Id,
        Schedules::EpisodeId,
        Schedules::StartsOn,
        Schedules::EndsOn,
    ]);
    schedules.insert(tx, &insert).await?;

    // Licence contracts: most series have one, some a renewal; a few have none yet.
    let mut rows = Rows::default();
    for (i, show) in SHOWS.iter().enumerate() {
        if i % 9 == 8 {
            continue;
        }
        let starts_on = date(show.released)?
            .checked_sub_days(Days::new(120))
            .ok_or_else(bad_date)?;
        let ends_on = add_days(starts_on, 365 * (2 + i as u64 % 3))?;
        let charge = round_to_500(120_000 + show.audience / 8);
        rows.push(vec![
            (rows.len() as i64 + 1).into(),
            id(i),
            charge.into(),
            starts_on.into(),
            ends_on.into(),
        ]);
        if i % 5 == 0 {
            let renewal_ends_on = add_days(ends_on, 730)?;
            let renewal_charge = round_to_500(charge * 112 / 100);
            rows.push(vec![
                (rows.len() as i64 + 1).into(),
                id(i),
                renewal_charge.into(),
                ends_on.into(),
                renewal_ends_on.into(),
            ]);
        }
    }
    let mut insert = Query::insert();
    insert.into_table(Contracts::Table).columns([
        Contracts::Id,
        Contracts::SeriesId,
        Contracts::PerEpisodeChargeCents,
        Contracts::StartsOn,
        Contracts::EndsOn,
    ]);
    rows.insert(tx, &insert).await?;

    let mut rows = Rows::default();
    for (i, (account, hash)) in ACCOUNTS.iter().zip(hashes).enumerate() {
        rows.push(vec![
            id(i),
            account.username.into(),
            account.email.into(),
            hash.clone().into(),
            account.role.into(),
            account.first_name.into(),
            account.last_name.into(),
            account.country_id.into(),
            account.monthly_subscription_cents.into(),
            // Members for a year, so their reviews (the last three months) postdate them.
            (now - chrono::Duration::days(365)).into(),
        ]);
    }
    if rows.len() != ACCOUNTS.len() {
        return Err(Error::internal(
            "demo accounts and password hashes differ in number",
        ));
    }
    let account_count = rows.len();
    let mut insert = Query::insert();
    insert.into_table(Accounts::Table).columns([
        Accounts::Id,
        Accounts::Username,
        Accounts::Email,
        Accounts::PasswordHash,
        Accounts::Role,
        Accounts::FirstName,
        Accounts::LastName,
        Accounts::CountryId,
        Accounts::MonthlySubscriptionCents,
        Accounts::CreatedAt,
    ]);
    rows.insert(tx, &insert).await?;

    // Each rated series gets two or three reviews; ratings scatter around its quality so the
    // averages differ, and review dates spread over the last three months.
    let mut rows = Rows::default();
    for (i, show) in SHOWS.iter().enumerate() {
        if show.quality == 0 {
            continue;
        }
        for c in 0..4usize {
            if (i + c) % 3 == 0 {
                continue;
            }
            let account_id = c as i64 + 2;
            let rating = rating(i, c, show.quality);
            let texts = REVIEWS[(rating - 1) as usize];
            let body = texts[(i + 2 * c) % texts.len()];
            let ago = chrono::Duration::hours(((i * 37 + c * 53) % 90 * 24 + (i + c) % 24) as i64);
            let recorded_at = now.checked_sub_signed(ago).ok_or_else(bad_date)?;
            rows.push(vec![
                id(i),
                account_id.into(),
                rating.into(),
                body.into(),
                recorded_at.into(),
            ]);
        }
    }
    let feedback_count = rows.len();
    let mut insert = Query::insert();
    insert.into_table(Feedback::Table).columns([
        Feedback::SeriesId,
        Feedback::AccountId,
        Feedback::Rating,
        Feedback::Body,
        Feedback::RecordedAt,
    ]);
    rows.insert(tx, &insert).await?;

    // The per-series figures the public pages read, computed once from what was just loaded.
    crate::catalog::stats::rebuild_all(tx).await?;

    Ok(DemoSummary {
        series: SHOWS.len(),
        episodes: episode_count,
        accounts: account_count,
        feedback: feedback_count,
    })
}

/// Rows waiting to be inserted with one statement shape.
#[derive(Default)]
struct Rows(Vec<Vec<SimpleExpr>>);

impl Rows {
    fn push(&mut self, row: Vec<SimpleExpr>) {
        self.0.push(row);
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Inserts the rows with `template` (table and columns set, no values), at most
    /// [`ROWS_PER_STATEMENT`] rows per statement.
    async fn insert(self, tx: &mut Tx, template: &InsertStatement) -> Result<()> {
        for chunk in self.0.chunks(ROWS_PER_STATEMENT) {
            let mut statement = template.clone();
            for row in chunk {
                statement
                    .values(row.iter().cloned())
                    .map_err(Error::internal)?;
            }
            tx.execute(&statement).await?;
        }
        Ok(())
    }
}

/// The id of the row at 0-based position `index` of a table (ids count from 1).
fn id(index: usize) -> SimpleExpr {
    (index as i64 + 1).into()
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

/// The rating customer `c` (0–3) gives the series at position `i`: its quality, nudged by
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

    const NORTH_AMERICA: std::ops::RangeInclusive<i64> = 1..=3;
    const EUROPE: std::ops::RangeInclusive<i64> = 4..=9;

    #[test]
    fn tables_meet_the_contract() {
        assert!(COUNTRIES.len() >= 12);
        let regions: HashSet<_> = COUNTRIES.iter().map(|(_, region)| *region).collect();
        assert!(
            regions.len() >= 3 && regions.contains("North America") && regions.contains("Europe")
        );
        assert!(COUNTRIES.iter().enumerate().all(|(i, (_, region))| {
            let id = i as i64 + 1;
            (*region == "North America") == NORTH_AMERICA.contains(&id)
                && (*region == "Europe") == EUROPE.contains(&id)
        }));
        assert!(SHOWS.len() >= 30);
        assert!(HOUSES.len() >= 6);
        assert!(HOUSES
            .iter()
            .all(|h| (1800..=2100).contains(&h.year_established)));
        let houses_used: HashSet<_> = SHOWS.iter().map(|s| s.house).collect();
        assert_eq!(houses_used.len(), HOUSES.len());
        let released_in: HashSet<_> = SHOWS
            .iter()
            .flat_map(|s| s.countries.iter().copied())
            .collect();
        assert_eq!(
            released_in.len(),
            COUNTRIES.len(),
            "every country has something to watch"
        );
    }

    #[test]
    fn every_series_is_consistent() {
        let countries = COUNTRIES.len() as i64;
        let languages = LANGUAGES.len() as i64;
        let genres = GENRES.len() as i64;
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
                !show.subtitles.contains(&show.lang) && !show.dubbings.contains(&show.lang),
                "{t}"
            );
            assert_eq!(show.countries.first(), Some(&show.origin), "{t}");
            assert!((1..=HOUSES.len() as i64).contains(&show.house), "{t}");
            assert!((0..=5).contains(&show.quality) && show.audience > 0, "{t}");
            assert!(date(show.released).is_ok(), "{t}");
            for (ids, max) in [
                (show.genres, genres),
                (show.subtitles, languages),
                (show.dubbings, languages),
                (show.countries, countries),
            ] {
                assert!(ids.iter().all(|id| (1..=max).contains(id)), "{t}");
                assert_eq!(
                    ids.iter().collect::<HashSet<_>>().len(),
                    ids.len(),
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
            let na = show.countries.iter().any(|c| NORTH_AMERICA.contains(c));
            let eu = show.countries.iter().any(|c| EUROPE.contains(c));
            match (na, eu) {
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
        let pairs: HashSet<_> = ALLIANCES.iter().map(|(p, h, _, _)| (*p, *h)).collect();
        assert_eq!(pairs.len(), ALLIANCES.len());
        assert!(ALLIANCES.len() >= 10);
        for &(producer, house, started, ended) in ALLIANCES {
            assert!(
                (1..=PRODUCERS.len() as i64).contains(&producer)
                    && (1..=HOUSES.len() as i64).contains(&house)
            );
            let started = date(started).expect("valid start");
            if let Some(ended) = ended {
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
            for c in 0..4 {
                assert!((1..=5).contains(&rating(i, c, 1)) && (1..=5).contains(&rating(i, c, 5)));
            }
        }
    }

    #[tokio::test]
    async fn loads_into_a_fresh_sqlite_database() {
        let path =
            std::env::temp_dir().join(format!("streamvault-seed-test-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        assert!(catalog_is_empty(&db).await.expect("count"));

        let summary = load_demo(&db, Utc::now()).await.expect("load");
        assert_eq!(summary.series, SHOWS.len());
        assert_eq!(summary.accounts, 5);
        assert!(summary.episodes >= 3 * SHOWS.len() && summary.feedback > 40);
        assert!(!catalog_is_empty(&db).await.expect("count"));
        assert_eq!(
            db.count_rows(Episodes::Table).await.expect("count"),
            summary.episodes as i64
        );
        assert_eq!(
            db.count_rows(Feedback::Table).await.expect("count"),
            summary.feedback as i64
        );

        // A second load collides with the first and leaves nothing half-written.
        assert!(load_demo(&db, Utc::now()).await.is_err());
        assert_eq!(
            db.count_rows(Series::Table).await.expect("count"),
            SHOWS.len() as i64
        );

        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}
