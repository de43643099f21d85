//! Building and running the application: the same code path for `serve`, `worker` and tests.

use std::net::SocketAddr;
use std::sync::Arc;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::Server;
use tokio::sync::watch;

mod commit;
pub mod job_store;

use commit::AfterCommit;

use crate::admin::feed::{ChangeFeed, Subscriptions};
use crate::admin::import::LiveRuns;
use crate::analytics::service::Analytics;
use crate::catalog::cache::CatalogCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::posters::MediaDir;
use crate::queue::{self, Queue};
use crate::web::rate_limit::Limits;
use crate::web::{self, AppState, State};
use job_store::AppJobStore;

/// Staff tables' event streams one session may hold open (a few tabs), and one process.
const EVENT_STREAMS_PER_SESSION: usize = 16;
const EVENT_STREAMS_PER_PROCESS: usize = 256;

/// A bound, ready-to-run application.
pub struct Application {
    state: State,
    acceptor: poem::listener::TcpAcceptor,
    address: SocketAddr,
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// What the background workers need, built from the configuration.
pub fn job_context(
    config: &Config,
    db: &Db,
    clock: &Clock,
    base_url: url::Url,
    imports: Arc<LiveRuns>,
) -> Result<jobs::JobContext> {
    let mailer = jobs::Mailer::new(
        config.smtp_url.as_deref(),
        config.outbox_dir.clone(),
        config.mail_from.clone(),
    )
    .map_err(|e| Error::internal(format_args!("mailer: {e}")))?;
    Ok(jobs::JobContext {
        store: Arc::new(AppJobStore {
            db: db.clone(),
            clock: clock.clone(),
            media: MediaDir::new(config.media_dir.clone()),
            imports,
            background: crate::analytics::background::Background::new(&config.database_url),
        }),
        mailer,
        base_url,
    })
}

impl Application {
    /// Connects, migrates and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config, clock: Clock) -> Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Self::build_with_db(config, db, clock).await
    }

    pub async fn build_with_db(config: Config, db: Db, clock: Clock) -> Result<Self> {
        let acceptor = TcpListener::bind(config.addr)
            .into_acceptor()
            .await
            .map_err(|e| Error::internal(format_args!("cannot listen on {}: {e}", config.addr)))?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| Error::internal("listener has no address"))?;
        let csrf_key = crate::auth::secrets::shared_secret(&db, "csrf").await?;
        let lockout_key = crate::auth::secrets::shared_secret(&db, "lockout").await?;
        let totp_key = crate::auth::secrets::shared_secret(&db, "totp").await?;
        crate::auth::password::warm_up().await;
        let base_url = config.base_url_for(address);
        let queue = Queue::new(&db);
        let imports = LiveRuns::new();
        let catalog = Arc::new(CatalogCache::new(config.page_cache));
        let analytics = Arc::new(Analytics::new(
            db.clone(),
            clock.clone(),
            config.analytics_debounce,
        ));
        db.on_commit(Arc::new(AfterCommit {
            wakeup: queue.wakeup().clone(),
            catalog: catalog.clone(),
            analytics: analytics.clone(),
        }));
        let state = Arc::new(AppState {
            media: MediaDir::new(config.media_dir.clone()),
            limits: Limits::new(
                config.login_rate_per_min,
                config.reset_rate_per_min,
                lockout_key,
            ),
            queue,
            catalog,
            analytics,
            feed: ChangeFeed::new(db.clone(), clock.clone(), imports.clone()),
            imports,
            subscriptions: Subscriptions::new(EVENT_STREAMS_PER_SESSION, EVENT_STREAMS_PER_PROCESS),
            db,
            config,
            clock,
            base_url,
            csrf_key,
            totp_key,
        });
        Ok(Self {
            state,
            acceptor,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Serves HTTP and, when `with_workers`, runs the background workers in this process,
    /// until `shutdown` resolves. In-flight requests and jobs get time to finish.
    pub async fn run_until(
        self,
        with_workers: bool,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let state = self.state.clone();
        let (stop_tx, stop_rx) = watch::channel(false);
        let workers = if with_workers {
            let context = job_context(
                &state.config,
                &state.db,
                &state.clock,
                state.base_url.clone(),
                state.imports.clone(),
            )?;
            let queue = state.queue.clone();
            let analytics_schedule = state.config.analytics_schedule;
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(async move {
                let signal = async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                };
                let settings = queue::WorkerSettings::serve();
                if let Err(e) =
                    queue::run_workers(&queue, context, settings, analytics_schedule, signal).await
                {
                    tracing::error!(error = %e, "workers failed");
                }
            }))
        } else {
            None
        };
        // The rate limits sweep themselves while used; this keeps an idle process small too,
        // and drops lockout rows past their window.
        let sweeper = {
            let (state, mut stop) = (state.clone(), stop_rx.clone());
            tokio::spawn(async move {
                loop {
                    let tick = tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(60)) => true,
                        _ = stop.wait_for(|stopped| *stopped) => false,
                    };
                    if !tick {
                        return;
                    }
                    state.limits.sweep();
                    if let Err(e) = crate::auth::lockout::sweep(&state.db, state.clock.now()).await
                    {
                        tracing::warn!(error = %e, "could not sweep lockouts");
                    }
                }
            })
        };
        // The start-up refresh (no snapshot yet) and the debounced refreshes after writes.
        let analytics = tokio::spawn(state.analytics.clone().run(stop_rx.clone()));
        tracing::info!("listening on http://{}", self.address);
        let feed = state.feed.clone();
        let mut http_stop = stop_rx;
        let server = Server::new_with_acceptor(self.acceptor).run_with_graceful_shutdown(
            web::app(state),
            async move {
                let _ = http_stop.wait_for(|stopped| *stopped).await;
            },
            Some(std::time::Duration::from_secs(10)),
        );
        tokio::spawn(async move {
            shutdown.await;
            feed.close();
            let _ = stop_tx.send(true);
        });
        let served = server.await;
        let _ = sweeper.await;
        let _ = analytics.await;
        if let Some(workers) = workers {
            let _ = workers.await;
        }
        served.map_err(|e| Error::internal(format_args!("server: {e}")))
    }
}
