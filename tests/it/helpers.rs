//! `spawn_app()`: starts StreamVault exactly as `serve` does, on port 0, with a fresh database.
//!
//! Background jobs: `app.drain_jobs()` waits until the workers finished everything queued, so a
//! test can assert what a job did (or did not) do. When a `TestApp` goes away it drains the
//! queue too and fails the test if any job was left unprocessed or gave up; a test that leaves
//! jobs behind on purpose says so with `app.expect_leftover_jobs(why)`. `eventually` polls a
//! condition with a deadline: tests never sleep a fixed time and call the silence proof.

use std::fmt::Display;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use sqlx::migrate::MigrateDatabase;
use streamvault::app::Application;
use streamvault::clock::Clock;
use streamvault::config::Config;
use streamvault::db::Db;
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

pub fn mysql_server_url() -> String {
    std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

fn unique_name() -> String {
    format!(
        "sv_test_{}",
        &streamvault::auth::tokens::random_token()[..12]
            .to_lowercase()
            .replace(['-', '_'], "x")
    )
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    MySql(String),
    Nothing,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::create(backend, None).await,
            Backend::MySql => Self::create(backend, Some(mysql_server_url())).await,
        }
    }

    /// A fresh MariaDB database on the server (or cluster node) at `server_url`.
    pub async fn on_mysql_server(server_url: &str) -> TestDb {
        Self::create(Backend::MySql, Some(server_url.to_owned())).await
    }

    async fn create(backend: Backend, server_url: Option<String>) -> TestDb {
        let name = unique_name();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("streamvault-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{name}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::MySql => {
                let server = server_url.unwrap_or_else(mysql_server_url);
                let url = format!("{server}/{name}");
                sqlx::MySql::create_database(&url)
                    .await
                    .expect("create test database (is MariaDB running on 127.0.0.1:3306?)");
                (url.clone(), Cleanup::MySql(url))
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        TestDb { db, url, cleanup }
    }
}

impl TestDb {
    /// The same database reached through `url` (a TCP proxy the test can cut, say). The
    /// original `TestDb` still owns it: dropping this one removes nothing.
    pub async fn through(&self, url: String) -> TestDb {
        let db = Db::connect(&url).await.expect("connect through");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Nothing,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Nothing => {}
            Cleanup::MySql(url) => {
                let url = url.clone();
                // Drop runs outside async; a short-lived runtime on its own thread drops the database.
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        let _ = rt.block_on(sqlx::MySql::drop_database(&url));
                    }
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub clock: Clock,
    pub outbox: PathBuf,
    /// This app's `MEDIA_DIR` (a folder of its own unless the test chose one).
    pub media_dir: PathBuf,
    workers: bool,
    /// Why this test may end with jobs not `Done` (see [`TestApp::expect_leftover_jobs`]).
    leftover_jobs_expected: Option<&'static str>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    // Declared last: dropped after the server stops.
    pub test_db: Arc<TestDb>,
}

pub struct Options {
    pub smtp_url: Option<String>,
    pub login_rate: u32,
    pub reset_rate: u32,
    pub workers: bool,
    pub demo: bool,
    /// `MEDIA_DIR`; `None`: a fresh temporary folder for this app.
    pub media_dir: Option<PathBuf>,
    /// Further configuration variables (they win over the defaults above).
    pub env: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            smtp_url: None,
            login_rate: 10_000,
            reset_rate: 10_000,
            workers: true,
            demo: false,
            media_dir: None,
            env: Vec::new(),
        }
    }
}

pub const BASE_URL: &str = "http://streamvault.test";

static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());
const LOG_LIMIT: usize = 64 * 1024 * 1024;

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            if logs.len() < LOG_LIMIT {
                logs.extend_from_slice(bytes);
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything every app in this test process logged, at debug level and above.
pub fn captured_logs() -> String {
    LOGS.lock()
        .map(|logs| String::from_utf8_lossy(&logs).into_owned())
        .unwrap_or_default()
}

/// Whether the logs captured so far satisfy `matches`; cheap enough to poll (no copy).
pub fn logged(matches: impl Fn(&str) -> bool) -> bool {
    LOGS.lock()
        .map(|logs| matches(&String::from_utf8_lossy(&logs)))
        .unwrap_or(false)
}

/// Starts capturing logs for [`captured_logs`] (apps do it when they start).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, Options::default()).await
}

pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
    let test_db = Arc::new(TestDb::new(backend).await);
    spawn_on(test_db, backend, options).await
}

/// Starts the application on an existing database (e.g. to simulate a restart).
pub async fn spawn_on(test_db: Arc<TestDb>, _backend: Backend, options: Options) -> TestApp {
    capture_logs();
    let outbox = std::env::temp_dir()
        .join("streamvault-tests")
        .join(format!("outbox-{}", unique_name()));
    let login = options.login_rate.to_string();
    let reset = options.reset_rate.to_string();
    let url = test_db.url.clone();
    let smtp = options.smtp_url.clone();
    let env = options.env.clone();
    let mut config = Config::from_lookup(|name| {
        if let Some((_, value)) = env.iter().find(|(key, _)| *key == name) {
            return Some(value.clone());
        }
        match name {
            "DATABASE_URL" => Some(url.clone()),
            "STREAMVAULT_ADDR" => Some("127.0.0.1:0".to_owned()),
            "BASE_URL" => Some(BASE_URL.to_owned()),
            "SMTP_URL" => smtp.clone(),
            "LOGIN_RATE_PER_MIN" => Some(login.clone()),
            "RESET_RATE_PER_MIN" => Some(reset.clone()),
            // Tests that want automatic analytics refreshes ask for them (they queue jobs).
            "ANALYTICS_DEBOUNCE_SECONDS" => Some("0".to_owned()),
            // Nor may a five-minute clock tick refresh the snapshot under a test.
            "ANALYTICS_SCHEDULE" => Some("off".to_owned()),
            _ => None,
        }
    })
    .expect("test configuration");
    config.outbox_dir = outbox.clone();
    let media_dir = options.media_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("streamvault-tests")
            .join(format!("media-{}", unique_name()))
    });
    config.media_dir = media_dir.clone();
    let clock = Clock::default();
    if options.demo {
        streamvault::seed::load_demo(&test_db.db, clock.now())
            .await
            .expect("demo data");
    }
    let app = Application::build_with_db(config, test_db.db.clone(), clock.clone())
        .await
        .expect("build app");
    let address = format!("http://{}", app.address());
    let (stop, stopped) = oneshot::channel::<()>();
    let workers = options.workers;
    let server = tokio::spawn(async move {
        let _ = app
            .run_until(workers, async move {
                let _ = stopped.await;
            })
            .await;
    });
    TestApp {
        address,
        clock,
        outbox,
        media_dir,
        workers,
        leftover_jobs_expected: None,
        stop: Some(stop),
        server: Some(server),
        test_db,
    }
}

impl TestApp {
    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests check them).
    pub fn client(&self) -> Client {
        Client::new(self.address.clone())
    }

    /// Every job in the queue table, in no particular order.
    pub async fn jobs(&self) -> Vec<QueuedJob> {
        queued_jobs(self.db()).await
    }

    /// Waits until the workers have finished every queued job (none waiting, running or due
    /// for a retry) and returns the queue; panics with its state after [`DEADLINE`]. Once this
    /// returns, whatever those jobs do (send mail, write files) has happened, and nothing of
    /// theirs still runs: the queue never runs two attempts of one job at once (a failed job is
    /// claimed again only after its attempt was recorded).
    pub async fn drain_jobs(&self) -> Vec<QueuedJob> {
        self.try_drain_jobs()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn try_drain_jobs(&self) -> Result<Vec<QueuedJob>, String> {
        let unprocessed = |jobs: Vec<QueuedJob>| {
            if jobs.iter().any(QueuedJob::is_unfinished) {
                Err(format!("jobs still unprocessed: {jobs:#?}"))
            } else {
                Ok(jobs)
            }
        };
        if !self.workers {
            // Nothing in this app can make progress: look once.
            return unprocessed(self.jobs().await)
                .map_err(|e| format!("this app runs no workers, and there are {e}"));
        }
        try_eventually(DEADLINE, || async move { unprocessed(self.jobs().await) }).await
    }

    /// The teardown check: every job was processed, and successfully.
    async fn check_jobs_finished(&self) -> Result<(), String> {
        let jobs = self.try_drain_jobs().await?;
        let failed: Vec<&QueuedJob> = jobs.iter().filter(|job| !job.is_done()).collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!("jobs that gave up: {failed:#?}"))
        }
    }

    /// This test ends with jobs that are not `Done` on purpose (say why): the teardown check
    /// is skipped for this app.
    pub fn expect_leftover_jobs(&mut self, why: &'static str) {
        self.leftover_jobs_expected = Some(why);
    }

    fn teardown_verdict(&self) -> Result<(), String> {
        if std::thread::panicking() || self.leftover_jobs_expected.is_some() {
            return Ok(());
        }
        let handle = tokio::runtime::Handle::try_current()
            .expect("a TestApp is dropped inside its test's tokio runtime");
        assert_eq!(
            handle.runtime_flavor(),
            tokio::runtime::RuntimeFlavor::MultiThread,
            "TestApp's teardown check needs the multi-thread runtime (both_backends! uses it)"
        );
        // The workers keep running on the runtime's threads while this one waits.
        tokio::task::block_in_place(|| handle.block_on(self.check_jobs_finished()))
    }

    /// Stops the server and workers, letting running jobs finish. Unless the test said
    /// otherwise ([`TestApp::expect_leftover_jobs`]), the queue must be drained first.
    pub async fn stop(mut self) -> Arc<TestDb> {
        if self.leftover_jobs_expected.is_none() {
            if let Err(e) = self.check_jobs_finished().await {
                jobs_left_over(&e);
            }
        }
        // Checked: the drop that follows must not check again.
        self.leftover_jobs_expected = Some("checked before stopping");
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
        }
        self.test_db.clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let verdict = self.teardown_verdict();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Err(e) = verdict {
            jobs_left_over(&e);
        }
    }
}

fn jobs_left_over(problem: &str) -> ! {
    panic!(
        "the test left its job queue unfinished (drain it with app.drain_jobs() and assert the \
         jobs' effect, or call app.expect_leftover_jobs(why)): {problem}"
    );
}

/// Every job in the queue table of `db`, in no particular order.
pub async fn queued_jobs(db: &Db) -> Vec<QueuedJob> {
    use sea_query::{Expr, Func, Query};
    use streamvault::db::schema::{Computed, Jobs};
    let signed = |column| Func::cast_as(Expr::col(column), Computed::Signed);
    let query = Query::select()
        .columns([
            Jobs::Id,
            Jobs::JobType,
            Jobs::Status,
            Jobs::LastError,
            Jobs::LockBy,
        ])
        .expr_as(signed(Jobs::Attempts), Jobs::Attempts)
        .expr_as(signed(Jobs::MaxAttempts), Jobs::MaxAttempts)
        .from(Jobs::Table)
        .to_owned();
    db.fetch_all(&query).await.expect("read the job queue")
}

/// One row of the queue table (apalis-sql).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueuedJob {
    // Read through `Debug` in failure messages.
    #[allow(dead_code)]
    pub id: String,
    #[allow(dead_code)]
    pub job_type: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    #[allow(dead_code)]
    pub last_error: Option<String>,
    /// The worker running it (`Running` only).
    pub lock_by: Option<String>,
}

impl QueuedJob {
    /// Waiting, running, or failed with attempts left: a worker will still take it up.
    pub fn is_unfinished(&self) -> bool {
        match self.status.as_str() {
            "Pending" | "Running" => true,
            "Failed" => self.attempts < self.max_attempts,
            _ => false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.status == "Done"
    }
}

/// How long a poll waits for something that should happen soon. Generous because several
/// test runs share two cores; a poll returns as soon as its condition holds.
pub const DEADLINE: Duration = Duration::from_secs(30);

const POLL_EVERY: Duration = Duration::from_millis(25);

/// Runs `check` until it returns `Ok` and returns that value; after `deadline` it panics with
/// the last `Err`, which should say what is still missing.
pub async fn eventually<T, E, F, Fut>(deadline: Duration, check: F) -> T
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    try_eventually(deadline, check)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`eventually`] that hands the failure back instead of panicking.
pub async fn try_eventually<T, E, F, Fut>(deadline: Duration, mut check: F) -> Result<T, String>
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let give_up = tokio::time::Instant::now() + deadline;
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(last) if tokio::time::Instant::now() >= give_up => {
                return Err(format!("not within {deadline:?}: {last}"));
            }
            Err(_) => tokio::time::sleep(POLL_EVERY).await,
        }
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The page's CSRF token from `<meta name="csrf-token">`.
    pub fn csrf(&self) -> String {
        let marker = "<meta name=\"csrf-token\" content=\"";
        let start = self
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .expect("page has a csrf meta tag");
        let end = self.body[start..].find('"').expect("meta tag closes") + start;
        self.body[start..end].to_owned()
    }

    /// The body without its CSRF tokens, to compare two answers.
    pub fn body_without_tokens(&self) -> String {
        let token = self.csrf();
        self.body.replace(&token, "TOKEN")
    }
}

impl Client {
    pub fn new(base: String) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Client { base, http }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{}", self.base, path)))
            .await
    }

    pub async fn get_htmx(&self, path: &str) -> Page {
        self.send(
            self.http
                .get(format!("{}{}", self.base, path))
                .header("HX-Request", "true"),
        )
        .await
    }

    /// The CSRF token of this client's current (pre-)session.
    pub async fn csrf(&self) -> String {
        self.get("/login").await.csrf()
    }

    /// POSTs a form with this client's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(
            self.http
                .post(format!("{}{}", self.base, path))
                .form(fields),
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Page {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Signs in and asserts it worked.
    pub async fn sign_in(&self, username: &str, password: &str) {
        let page = self.login(username, password).await;
        assert_eq!(
            page.status, 303,
            "sign-in as {username} failed: {}",
            page.body
        );
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// A cost-12 hash of [`PASSWORD`], computed once per test process.
pub async fn password_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        streamvault::auth::password::hash(PASSWORD)
            .await
            .expect("hash")
    })
    .await
    .clone()
}

/// Creates an account directly in the database; returns its id. The password is [`PASSWORD`].
pub async fn create_account(app: &TestApp, username: &str, role: streamvault::auth::Role) -> i64 {
    insert_account(app.db(), username, role, app.clock.now()).await
}

/// [`create_account`] on a database no app runs on yet.
pub async fn create_account_in(db: &Db, username: &str, role: streamvault::auth::Role) -> i64 {
    insert_account(db, username, role, chrono::Utc::now()).await
}

async fn insert_account(
    db: &Db,
    username: &str,
    role: streamvault::auth::Role,
    now: chrono::DateTime<chrono::Utc>,
) -> i64 {
    use streamvault::auth::accounts::{NewAccount, Profile};
    let account = NewAccount {
        username: username.to_owned(),
        profile: Profile {
            email: format!("{username}@example.com"),
            first_name: "Test".into(),
            last_name: username.to_owned(),
            country_id: None,
        },
        password_hash: password_hash().await,
        role,
        monthly_subscription_cents: 999,
    };
    db.transaction("test setup", move |tx| {
        let account = account.clone();
        Box::pin(async move { streamvault::auth::accounts::insert(tx, &account, now).await })
    })
    .await
    .expect("insert account")
}

pub async fn customer(app: &TestApp, username: &str) -> Client {
    create_account(app, username, streamvault::auth::Role::Customer).await;
    let client = app.client();
    client.sign_in(username, PASSWORD).await;
    client
}

pub async fn employee(app: &TestApp, username: &str) -> Client {
    create_account(app, username, streamvault::auth::Role::Employee).await;
    let client = app.client();
    client.sign_in(username, PASSWORD).await;
    client
}

/// Runs the test body `async fn name(backend: Backend)` once on SQLite and once on MariaDB,
/// as the tests `name::sqlite` and `name::mysql`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$name($crate::helpers::Backend::MySql).await;
            }
        }
    };
}
