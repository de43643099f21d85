//! Hostile input on every route, generated from
//! the router's own table, so a new route is covered the day it is added.
//!
//! For every route × {anonymous, customer, employee}: path parameters filled with existing
//! ids and junk; form fields and query parameters (every name any page's forms use, plus the
//! contract's column names) filled with SQL and template fragments, 64 KiB strings, invalid
//! UTF-8, NUL, huge and negative numbers, bad dates; repeated fields, wrong content types,
//! missing CSRF tokens. Never a 5xx, never a dropped connection (a panic), never database
//! error text in a page, and a request that is refused changes no data.
//!
//! Deterministic: the cases come from a seeded generator (`FUZZ_SEED` to vary it; the seed
//! is printed with every failure).

use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};

use poem::http::Method;
use sea_query::{Asterisk, DynIden, Query, SeaRc};
use sqlx::mysql::MySqlRow;
use sqlx::sqlite::SqliteRow;
use streamvault::db::schema;
use streamvault::db::Db;
use streamvault::web::route_table;

use crate::both_backends;
use crate::helpers::{customer, employee, spawn_with, Backend, Client, Options, PASSWORD};

/// Requests per run, spread over every route and role (at least 3 cases each: one aimed at an
/// existing row, one in another content type, one without its CSRF token), so the run stays
/// within the CI budget as the route table grows.
const BUDGET: usize = 2400;
const MAX_CASES: usize = 7;

/// SplitMix64: small, deterministic, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values nobody should be able to hurt the app with (as raw bytes: some are not UTF-8).
fn hostile_values() -> Vec<Vec<u8>> {
    let mut values: Vec<Vec<u8>> = [
        "",
        " ",
        "0",
        "1",
        "3",
        "-1",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551616",
        "99999999999999999999999999999",
        "1e309",
        "NaN",
        "-0",
        "1.5",
        "0x10",
        "2024-02-30",
        "0000-00-00",
        "9999-99-99",
        "2024-13-01",
        // Dates chrono reads but MariaDB's DATE cannot hold.
        "-5-01-01",
        "99999-01-01",
        "0999-12-31",
        "1969-12-31T25:61:00",
        "yesterday",
        "' OR '1'='1",
        "1; DROP TABLE accounts; --",
        "\" UNION SELECT password_hash FROM accounts --",
        "%' AND SLEEP(5) --",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<div hx-get=\"/admin\" hx-trigger=\"load\"></div>",
        "{{7*7}}${7*7}",
        "../../../../etc/passwd",
        "a\0b",
        "\u{202E}evil\u{200B}",
        "𝕏𝕐ℤ ünïcödé",
        "alice@example.com",
        "x<victim@example.com>",
        "true",
        "on",
        "asc",
        "title",
        "Europe",
    ]
    .iter()
    .map(|v| v.as_bytes().to_vec())
    .collect();
    values.push(vec![0xff, 0xfe, 0xfd]);
    values.push(b"ok\xc3\x28bad".to_vec());
    values.push("x".repeat(4096).into_bytes());
    values.push("é".repeat(20_000).into_bytes());
    // With the field name and the rest of the body this crosses the 64 KiB cap.
    values.push("y".repeat(64 * 1024).into_bytes());
    values
}

/// Path parameter values: an existing row, and junk.
fn path_values(name: &str) -> Vec<String> {
    let mut values: Vec<String> = match name {
        "token" => vec![
            "not-a-real-token-but-shaped-like-one-000000".into(),
            "a".repeat(300),
        ],
        "file" => vec![
            "app.css".into(),
            "..%2F..%2FCargo.toml".into(),
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd".into(),
        ],
        _ => vec!["1".into(), "2".into()],
    };
    values.extend(
        [
            "0",
            "-1",
            "99999999",
            "18446744073709551616",
            "abc",
            "1.5",
            "1%00",
            "%FF%FE",
            "1%20OR%201%3D1",
            "%3Cscript%3E",
        ]
        .map(String::from),
    );
    values
}

/// Names fields and query parameters may have: the contract's.
const KNOWN_FIELDS: [&str; 54] = [
    "username",
    "password",
    "password_confirm",
    "current_password",
    "email",
    "first_name",
    "last_name",
    "middle_name",
    "country_id",
    "rating",
    "body",
    "version",
    "q",
    "sort",
    "page",
    "per_page",
    "genre",
    "country",
    "language",
    "reviews_page",
    "next",
    "a",
    "b",
    "title",
    "planned_episodes",
    "language_id",
    "release_date",
    "origin_country_id",
    "production_house_id",
    "poster_url",
    "trailer_url",
    "number",
    "total_viewers",
    "tech_interrupt",
    "starts_on",
    "ends_on",
    "per_episode_charge_cents",
    "per_episode_charge",
    "series_id",
    "episode_id",
    "producer_id",
    "account_id",
    "name",
    "region",
    "street",
    "city",
    "state",
    "postal_code",
    "year_established",
    "phone",
    "started_on",
    "monthly_subscription_cents",
    "monthly_subscription",
    "csrf_token",
];

/// Every `name="…"` of a form control in `html`.
fn field_names(html: &str, into: &mut BTreeSet<String>) {
    for tag in ["<input", "<select", "<textarea"] {
        for (at, _) in html.match_indices(tag) {
            let rest = &html[at..];
            let end = rest.find('>').unwrap_or(rest.len());
            let element = &rest[..end];
            if let Some(start) = element.find(" name=\"") {
                let value = &element[start + 7..];
                if let Some(stop) = value.find('"') {
                    into.insert(value[..stop].to_owned());
                }
            }
        }
    }
}

/// The template with each `:param` replaced.
fn fill(template: &str, rng: &mut Rng, existing: bool) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => {
                let values = path_values(name);
                if existing {
                    values[0].clone()
                } else {
                    rng.pick(&values).clone()
                }
            }
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn urlencoded(fields: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            body.push(b'&');
        }
        body.extend(form_urlencoded::byte_serialize(name.as_bytes()).flat_map(str::bytes));
        body.push(b'=');
        body.extend(form_urlencoded::byte_serialize(value).flat_map(str::bytes));
    }
    body
}

/// One generated request.
struct Case {
    method: Method,
    path: String,
    query: Vec<(String, Vec<u8>)>,
    fields: Vec<(String, Vec<u8>)>,
    encoding: Encoding,
    csrf: bool,
    htmx: bool,
}

#[derive(Clone, Copy, Debug)]
enum Encoding {
    Form,
    /// Bytes that are not valid UTF-8 written into the body as they are.
    RawBytes,
    Multipart,
    Json,
    PlainText,
    NoContentType,
}

impl Case {
    fn describe(&self) -> String {
        let shorten = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            text.chars().take(60).collect::<String>()
        };
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(n, v)| format!("{n}={:?}({})", shorten(v), v.len()))
            .collect();
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(n, v)| format!("{n}={:?}", shorten(v)))
            .collect();
        format!(
            "{} {} query {query:?} fields {fields:?} as {:?}, csrf {}, htmx {}",
            self.method, self.path, self.encoding, self.csrf, self.htmx
        )
    }

    fn request(&self, client: &Client, token: &str) -> reqwest::RequestBuilder {
        let mut url = format!("{}{}", client.base, self.path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&String::from_utf8_lossy(&urlencoded(&self.query)));
        }
        let method = reqwest::Method::from_bytes(self.method.as_str().as_bytes()).expect("method");
        let mut request = client.http.request(method, url);
        if self.csrf {
            request = request.header("X-CSRF-Token", token);
        }
        if self.htmx {
            request = request.header("HX-Request", "true");
        }
        if self.method == Method::GET {
            return request;
        }
        match self.encoding {
            Encoding::Form => request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(urlencoded(&self.fields)),
            Encoding::RawBytes => {
                let mut body = urlencoded(&self.fields);
                body.extend_from_slice(b"&raw=\xff\xfe\x00");
                request
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
            }
            Encoding::Multipart => {
                let mut body = Vec::new();
                for (name, value) in &self.fields {
                    body.extend_from_slice(
                        b"--fuzzboundary\r\nContent-Disposition: form-data; name=\"",
                    );
                    body.extend_from_slice(name.as_bytes());
                    body.extend_from_slice(b"\"\r\n\r\n");
                    body.extend_from_slice(value);
                    body.extend_from_slice(b"\r\n");
                }
                body.extend_from_slice(b"--fuzzboundary--\r\n");
                request
                    .header("Content-Type", "multipart/form-data; boundary=fuzzboundary")
                    .body(body)
            }
            Encoding::Json => {
                let object: serde_json::Map<String, serde_json::Value> = self
                    .fields
                    .iter()
                    .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned().into()))
                    .collect();
                request
                    .header("Content-Type", "application/json")
                    .body(serde_json::Value::Object(object).to_string())
            }
            Encoding::PlainText => request
                .header("Content-Type", "text/plain")
                .body(urlencoded(&self.fields)),
            Encoding::NoContentType => request.body(urlencoded(&self.fields)),
        }
    }
}

fn generate(
    rng: &mut Rng,
    count: usize,
    method: &Method,
    template: &str,
    names: &[String],
    values: &[Vec<u8>],
) -> Vec<Case> {
    let mut cases = Vec::new();
    let pick_fields = |rng: &mut Rng, n: usize| -> Vec<(String, Vec<u8>)> {
        let mut fields = Vec::new();
        for _ in 0..n {
            let name = rng.pick(names).clone();
            let value = rng.pick(values).clone();
            // Sometimes the same field again, with another value.
            if rng.chance(15) {
                fields.push((name.clone(), rng.pick(values).clone()));
            }
            fields.push((name, value));
        }
        fields
    };
    for i in 0..count {
        let query_count = if *method == Method::GET {
            1 + rng.below(4)
        } else {
            rng.below(2)
        };
        let field_count = if *method == Method::GET {
            0
        } else {
            1 + rng.below(8)
        };
        // URLs longer than 64 KiB cannot even be sent (the `http` crate refuses them): huge
        // values go in bodies only.
        let mut query = pick_fields(rng, query_count);
        for (_, value) in &mut query {
            value.truncate(8 * 1024);
        }
        let fields = pick_fields(rng, field_count);
        let encoding = match (i, rng.below(10)) {
            (0, _) => Encoding::Form,
            (1, _) => *rng.pick(&[
                Encoding::Multipart,
                Encoding::Json,
                Encoding::PlainText,
                Encoding::NoContentType,
            ]),
            (_, 0) => Encoding::RawBytes,
            (_, 1) => Encoding::Json,
            _ => Encoding::Form,
        };
        cases.push(Case {
            method: method.clone(),
            // The first case aims at an existing row; the others may hit junk ids.
            path: fill(template, rng, i == 0),
            query,
            fields,
            encoding,
            // The last case of each route goes without its token.
            csrf: i + 1 != count,
            htmx: rng.chance(30),
        });
    }
    cases
}

/// All rows of every table the app's users can change (sessions and the job queue aside),
/// hashed: equal before and after a refused request.
async fn fingerprint(db: &Db) -> u64 {
    let tables: Vec<DynIden> = vec![
        SeaRc::new(schema::Countries::Table),
        SeaRc::new(schema::Languages::Table),
        SeaRc::new(schema::Genres::Table),
        SeaRc::new(schema::ProductionHouses::Table),
        SeaRc::new(schema::Producers::Table),
        SeaRc::new(schema::ProducerAlliances::Table),
        SeaRc::new(schema::Series::Table),
        SeaRc::new(schema::SeriesGenres::Table),
        SeaRc::new(schema::SeriesSubtitles::Table),
        SeaRc::new(schema::SeriesDubbings::Table),
        SeaRc::new(schema::SeriesReleases::Table),
        SeaRc::new(schema::Episodes::Table),
        SeaRc::new(schema::Schedules::Table),
        SeaRc::new(schema::Contracts::Table),
        SeaRc::new(schema::Accounts::Table),
        SeaRc::new(schema::Feedback::Table),
        SeaRc::new(schema::PasswordResetTokens::Table),
        SeaRc::new(schema::AuditLog::Table),
        SeaRc::new(schema::SeriesStats::Table),
    ];
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for table in tables {
        let query = Query::select().column(Asterisk).from(table).to_owned();
        let mut rows: Vec<Dump> = db.fetch_all(&query).await.expect("dump a table");
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for row in rows {
            row.0.hash(&mut hasher);
        }
        "|".hash(&mut hasher);
    }
    hasher.finish()
}

/// A row as text, whatever its columns.
struct Dump(String);

macro_rules! dump_cells {
    ($row:expr) => {{
        use sqlx::Row;
        let row = $row;
        let mut out = String::new();
        for i in 0..row.len() {
            let cell = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<chrono::NaiveDateTime>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<chrono::NaiveDate>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
                format!("{v:?}")
            } else {
                "?".to_owned()
            };
            out.push_str(&cell);
            out.push('|');
        }
        out
    }};
}

impl<'r> sqlx::FromRow<'r, SqliteRow> for Dump {
    fn from_row(row: &'r SqliteRow) -> Result<Self, sqlx::Error> {
        Ok(Dump(dump_cells!(row)))
    }
}

impl<'r> sqlx::FromRow<'r, MySqlRow> for Dump {
    fn from_row(row: &'r MySqlRow) -> Result<Self, sqlx::Error> {
        Ok(Dump(dump_cells!(row)))
    }
}

/// Whether the answer refused the request (so nothing may have changed).
fn refused(status: u16, location: Option<&str>) -> bool {
    (400..500).contains(&status)
        || (status == 303 && location.is_some_and(|l| l.starts_with("/login")))
}

/// Text that must never reach a page: database and framework internals.
const LEAKS: [&str; 6] = [
    "sqlx",
    "SQLSTATE",
    "syntax error",
    "panicked",
    "Duplicate entry",
    "FOREIGN KEY constraint",
];

struct Role {
    label: &'static str,
    client: Client,
    token: String,
    /// Where this role proves it is still signed in.
    home: Option<&'static str>,
    username: Option<&'static str>,
}

impl Role {
    async fn refresh(&mut self, base: &str) {
        match (self.home, self.username) {
            (Some(home), Some(username)) => {
                if self.client.get(home).await.status != 200 {
                    self.client = Client::new(base.to_owned());
                    self.client.sign_in(username, PASSWORD).await;
                }
                self.token = self.client.get(home).await.csrf();
            }
            _ => {
                // A fuzzed registration or sign-in may have succeeded: start anonymous again.
                self.client = Client::new(base.to_owned());
                self.token = self.client.csrf().await;
            }
        }
    }
}

async fn hostile_input_on_every_route(backend: Backend) {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2026_u64);
    let mut rng = Rng(seed);
    let mut app = spawn_with(
        backend,
        Options {
            demo: true,
            // Queued e-mails stay queued: workers would change tables behind the fingerprint.
            workers: false,
            ..Options::default()
        },
    )
    .await;
    app.expect_leftover_jobs("workers are off: queued e-mails stay queued");
    let base = app.address.clone();
    let mut roles = vec![
        Role {
            label: "anonymous",
            client: app.client(),
            token: String::new(),
            home: None,
            username: None,
        },
        Role {
            label: "customer",
            client: customer(&app, "fuzz-customer").await,
            token: String::new(),
            home: Some("/account"),
            username: Some("fuzz-customer"),
        },
        Role {
            label: "employee",
            client: employee(&app, "fuzz-staff").await,
            token: String::new(),
            home: Some("/admin"),
            username: Some("fuzz-staff"),
        },
    ];
    for role in &mut roles {
        role.refresh(&base).await;
    }

    // Every field name a page offers, as each role sees it, plus the contract's.
    let table = route_table();
    let mut names: BTreeSet<String> = KNOWN_FIELDS.iter().map(|s| (*s).to_owned()).collect();
    for (method, template, _) in &table {
        // Event streams never end; they offer no fields.
        if *method != Method::GET || template.ends_with("/events") {
            continue;
        }
        let path = fill(template, &mut rng, true);
        for role in &roles {
            field_names(&role.client.get(&path).await.body, &mut names);
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    let values = hostile_values();

    let cases = (BUDGET / (table.len() * roles.len()).max(1)).clamp(3, MAX_CASES);
    let mut before = fingerprint(app.db()).await;
    let mut requests = 0;
    let mut seen_statuses: HashSet<u16> = HashSet::new();
    for (method, template, access) in table {
        for role in roles.iter_mut() {
            // Signing out ends the session the rest of the walk needs; it is fuzzed without a
            // token only (it must refuse that).
            let signs_out = template == views::paths::LOGOUT && role.home.is_some();
            for case in generate(&mut rng, cases, &method, template, &names, &values) {
                if signs_out && case.csrf {
                    continue;
                }
                let what = format!(
                    "seed {seed:#x}, {} ({access:?} route): {}",
                    role.label,
                    case.describe()
                );
                let response = case
                    .request(&role.client, &role.token)
                    .send()
                    .await
                    .unwrap_or_else(|e| {
                        let error: String = e.to_string().chars().take(300).collect();
                        panic!("no answer (a panic?) for {what}: {error}")
                    });
                requests += 1;
                let status = response.status().as_u16();
                seen_statuses.insert(status);
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let new_session = response.headers().get_all("set-cookie").iter().any(|c| {
                    c.to_str()
                        .is_ok_and(|c| c.contains("sv_session=") && !c.contains("sv_session=;"))
                });
                // An event stream let in stays open: its status and headers are the answer.
                let streaming = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/event-stream"));
                let body = if streaming {
                    String::new()
                } else {
                    response.text().await.unwrap_or_default()
                };
                assert!(status < 500, "{status} for {what}:\n{body}");
                for leak in LEAKS {
                    assert!(!body.contains(leak), "{leak:?} in the page for {what}");
                }
                if case.method != Method::GET {
                    let after = fingerprint(app.db()).await;
                    if refused(status, location.as_deref()) {
                        assert_eq!(
                            before, after,
                            "refused with {status} yet data changed: {what}"
                        );
                    }
                    before = after;
                }
                let signed_out = role.home.is_some()
                    && location.as_deref().is_some_and(|l| l.starts_with("/login"));
                if signed_out || (new_session && role.home.is_none()) {
                    role.refresh(&base).await;
                }
            }
            if method == Method::GET {
                let after = fingerprint(app.db()).await;
                assert_eq!(
                    before, after,
                    "GET {template} as {} changed data",
                    role.label
                );
            }
        }
    }
    let after = fingerprint(app.db()).await;
    assert_eq!(before, after, "no GET changed data");
    eprintln!(
        "seed {seed:#x}: {requests} requests, {} field names, statuses {:?}",
        names.len(),
        {
            let mut s: Vec<u16> = seen_statuses.into_iter().collect();
            s.sort();
            s
        }
    );
    assert!(requests > 100);
}
both_backends!(hostile_input_on_every_route);
