//! The `streamvault` command line.

use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::auth::accounts::{self, NewAccount, Profile};
use crate::auth::password;
use crate::auth::Role;
use crate::clock::Clock;
use crate::config::{Config, LogFormat};
use crate::db::schema::Accounts;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::seed;

#[derive(Debug, Parser)]
#[command(
    name = "streamvault",
    version,
    about = "StreamVault: a streaming platform's management backend"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP and run the background workers (the default).
    Serve {
        /// Load the demo data set first, if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data into the database: the demo data set, or a large synthetic catalog.
    #[command(group(clap::ArgGroup::new("data").required(true).args(["demo", "scale"])))]
    Seed {
        /// The demo data set: accounts, catalog, feedback.
        #[arg(long)]
        demo: bool,
        /// A synthetic catalog: N = 1 is about 1,000 series, 20,000 episodes, 10,000
        /// customers and 100,000 reviews; linear in N (fractions such as 0.1 allowed).
        #[arg(long, value_name = "N", value_parser = parse_scale)]
        scale: Option<f64>,
        /// Seed of the synthetic catalog's random generator: the same seed gives the same data.
        #[arg(long, value_name = "S", default_value_t = 1, requires = "scale")]
        rng_seed: u64,
        /// Replace everything already there (catalog, accounts, their sessions).
        #[arg(long)]
        force: bool,
    },
    /// Run only the background workers.
    Worker,
    /// Create a staff account; the password comes from STREAMVAULT_PASSWORD or a prompt.
    CreateEmployee {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`): plain text without colour codes
/// unless stderr is a terminal, or one JSON object per line (`LOG_FORMAT=json`).
pub fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

/// Parses the arguments and runs the command. Errors come back for `main` to print.
pub async fn run() -> Result<()> {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = Config::from_env()
        .map_err(|e| Error::internal(["configuration: ", &e.to_string()].concat()))?;
    init_tracing(config.log_format);
    let clock = Clock::default();

    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            let db = connect(&config).await?;
            if demo {
                if seed::catalog_is_empty(&db).await? {
                    let summary = seed::load_demo(&db, clock.now()).await?;
                    seed_posters(&db, &config, seed::posters::Style::Titled).await?;
                    tracing::info!(
                        series = summary.series,
                        accounts = summary.accounts,
                        "demo data loaded"
                    );
                } else {
                    tracing::info!("database already has data; demo data not loaded");
                }
            }
            let application = Application::build_with_db(config, db, clock).await?;
            application.run_until(true, app::shutdown_signal()).await
        }
        Command::Migrate => {
            connect(&config).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            scale: Some(scale),
            rng_seed,
            force,
            ..
        } => {
            let options = seed::ScaleOptions { scale, rng_seed };
            seed_scale(&config, options, force).await
        }
        Command::Seed { force, .. } => {
            let db = connect(&config).await?;
            let summary = if seed::catalog_is_empty(&db).await? {
                seed::load_demo(&db, clock.now()).await?
            } else if force {
                tracing::warn!("replacing every account and the whole catalog with the demo data");
                seed::replace_with_demo(&db, clock.now()).await?
            } else {
                return Err(Error::internal(
                    "the database already has a catalog; pass --force to replace it with the demo data",
                ));
            };
            seed_posters(&db, &config, seed::posters::Style::Titled).await?;
            tracing::info!(
                series = summary.series,
                episodes = summary.episodes,
                accounts = summary.accounts,
                feedback = summary.feedback,
                "demo data loaded"
            );
            Ok(())
        }
        Command::Worker => {
            let db = connect(&config).await?;
            let base_url = config.base_url_for(config.addr);
            // Imports this process applies show their progress through the database (MariaDB).
            let imports = crate::admin::import::LiveRuns::new();
            let context = app::job_context(&config, &db, &clock, base_url, imports)?;
            tracing::info!("workers running");
            // No requests queue jobs here, so nothing wakes these workers but their poll:
            // once a second (see `WorkerSettings::worker_only`).
            let queue = crate::queue::Queue::new(&db);
            let settings = crate::queue::WorkerSettings::worker_only();
            crate::queue::run_workers(
                &queue,
                context,
                settings,
                config.analytics_schedule,
                app::shutdown_signal(),
            )
            .await
        }
        Command::CreateEmployee { username, email } => {
            let db = connect(&config).await?;
            create_employee(&db, &clock, &username, &email).await
        }
    }
}

/// Draws the seeded series' posters into `MEDIA_DIR`.
async fn seed_posters(db: &Db, config: &Config, style: seed::posters::Style) -> Result<()> {
    let media = crate::posters::MediaDir::new(config.media_dir.clone());
    let drawn = seed::posters::draw_missing(db, &media, style).await?;
    tracing::info!(series = drawn, "posters drawn");
    Ok(())
}

/// `seed --scale N`: over a connection tuned for one bulk writer, with a progress bar on the
/// terminal and a closing line with the rate.
async fn seed_scale(config: &Config, options: seed::ScaleOptions, force: bool) -> Result<()> {
    connect(config).await?.close().await;
    let db = Db::connect_for_bulk_load(&config.database_url).await?;
    let empty = seed::catalog_is_empty(&db).await?;
    if !empty && !force {
        return Err(Error::internal(
            "the database already has a catalog; pass --force to replace it with the synthetic one",
        ));
    }
    let progress = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} rows ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let summary = if empty {
        seed::load_scale(&db, options, &progress).await
    } else {
        tracing::warn!("replacing every account and the whole catalog with the synthetic data");
        seed::replace_with_scale(&db, options, &progress).await
    };
    progress.finish_and_clear();
    let summary = summary?;
    seed_posters(&db, config, seed::posters::Style::Shared).await?;
    db.close().await;
    for (table, rows) in &summary.tables {
        tracing::debug!(table, rows, "table seeded");
    }
    tracing::info!(
        series = summary.sizes.series,
        customers = summary.sizes.customers,
        reviews = summary.sizes.reviews,
        rows = summary.rows,
        seconds = format_args!("{:.1}", summary.elapsed.as_secs_f64()),
        rows_per_second = summary.rows_per_second().round() as u64,
        "synthetic catalog loaded (scale {}, rng seed {})",
        options.scale,
        options.rng_seed,
    );
    Ok(())
}

fn parse_scale(text: &str) -> std::result::Result<f64, String> {
    let scale: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number such as 1, 10 or 0.5".to_owned())?;
    seed::scale::Sizes::for_scale(scale).map_err(|e| e.to_string())?;
    Ok(scale)
}

async fn connect(config: &Config) -> Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| match e {
            Error::Db { source, .. } => {
                Error::internal(format_args!("cannot reach the database: {source}"))
            }
            other => other,
        })?;
    db.migrate().await?;
    Ok(db)
}

async fn create_employee(db: &Db, clock: &Clock, username: &str, email: &str) -> Result<()> {
    let username = accounts::normalize_username(username);
    let email = accounts::normalize_email(email);
    let mut errors = crate::validation::FieldErrors::new();
    accounts::check_username(&mut errors, &username);
    accounts::check_email(&mut errors, &email);
    let password = match std::env::var("STREAMVAULT_PASSWORD") {
        Ok(password) => password,
        Err(_) => rpassword::prompt_password("Password for the new employee: ").map_err(|e| {
            Error::internal(["cannot read the password: ", &e.to_string()].concat())
        })?,
    };
    if let Err(message) = password::check_policy(&password) {
        errors.add("password", message);
    }
    if let Some((field, message)) = errors.iter().next() {
        return Err(Error::internal([field, ": ", message].concat()));
    }
    if accounts::taken(db, Accounts::Username, &username, None).await?
        || accounts::taken(db, Accounts::Email, &email, None).await?
    {
        return Err(Error::internal(
            "an account with that username or e-mail already exists",
        ));
    }
    let account = NewAccount {
        username: username.clone(),
        profile: Profile {
            email,
            first_name: username.clone(),
            last_name: "(staff)".into(),
            country_id: None,
        },
        password_hash: password::hash(&password).await?,
        role: Role::Employee,
        monthly_subscription_cents: 0,
    };
    let now = clock.now();
    let id = db
        .transaction("create an employee", move |tx| {
            let account = account.clone();
            Box::pin(async move { accounts::insert(tx, &account, now).await })
        })
        .await?;
    tracing::info!(id, username, "employee created");
    Ok(())
}
