//! What one process does for its workers besides running jobs: registering them, one poll
//! for work queued elsewhere, heartbeats, recovery of jobs abandoned by dead processes, and
//! outcomes that could not be written while the database was away.
//!
//! Idle cost per process: one query per `idle_poll` (whatever the number of job types), a
//! heartbeat every `heartbeat_every` and a recovery pass every `recover_every`.

use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apalis::prelude::{Attempt, Event, Monitor, Request, TaskId, Worker};
use apalis_core::request::Parts;
use apalis_core::task::namespace::Namespace;
use serde::de::DeserializeOwned;
use tokio::sync::{watch, Notify};

use super::table::{self, Settlement};
use super::wakeup::Wakeup;
use crate::db::Db;
use crate::error::{Error, Result};

/// The job a worker holds: what its acknowledgement needs to record the outcome.
#[derive(Clone, Debug, Default)]
pub struct Claim {
    pub job_id: String,
    pub job_type: String,
    pub worker: String,
    pub max_attempts: i64,
}

/// How a process polls, beats and recovers. See [`Settings::serve`] and
/// [`Settings::worker_only`].
#[derive(Clone, Debug)]
pub struct Settings {
    /// How often an idle process looks for claimable jobs queued by other processes (and
    /// retries that came due there). Jobs this process queues itself wake it at once.
    pub idle_poll: Duration,
    pub heartbeat_every: Duration,
    /// A worker without a heartbeat for this long is dead: its running jobs are recovered.
    pub stale_after: Duration,
    pub recover_every: Duration,
    /// Jobs one worker (one job type) runs at once.
    pub max_concurrent: usize,
}

impl Settings {
    /// `serve`: the requests it answers queue jobs and wake its workers at once, so it polls
    /// only every five seconds, for work queued elsewhere.
    pub fn serve() -> Self {
        Self {
            idle_poll: Duration::from_secs(5),
            heartbeat_every: Duration::from_secs(15),
            stale_after: Duration::from_secs(60),
            recover_every: Duration::from_secs(30),
            max_concurrent: 4,
        }
    }

    /// `worker`: nothing is queued locally, so it polls every second (one query for all job
    /// types), which bounds the delay of a job queued by a `serve` without workers.
    pub fn worker_only() -> Self {
        Self {
            idle_poll: Duration::from_secs(1),
            ..Self::serve()
        }
    }
}

/// An outcome the database did not take yet.
struct Unsettled {
    claim: Claim,
    attempts: i64,
    settlement: Settlement,
}

/// Shared by the workers of one process and its maintenance task.
pub struct Runner {
    db: Db,
    wakeup: Wakeup,
    settings: Settings,
    /// (worker id, job type) of every worker registered in this process.
    workers: Mutex<Vec<(String, String)>>,
    unsettled: Mutex<Vec<Unsettled>>,
}

impl Runner {
    pub fn new(db: &Db, wakeup: &Wakeup, settings: Settings) -> Arc<Self> {
        Arc::new(Self {
            db: db.clone(),
            wakeup: wakeup.clone(),
            settings,
            workers: Mutex::new(Vec::new()),
            unsettled: Mutex::new(Vec::new()),
        })
    }

    pub(super) fn max_concurrent(&self) -> usize {
        self.settings.max_concurrent
    }

    /// Called when apalis starts a worker: remembers it (for heartbeats) and returns the
    /// signal it sleeps on.
    pub(super) fn register(&self, worker: &str, job_type: &str) -> Arc<Notify> {
        if let Ok(mut workers) = self.workers.lock() {
            workers.push((worker.to_owned(), job_type.to_owned()));
        }
        self.wakeup.subscribe(job_type)
    }

    fn workers(&self) -> Vec<(String, String)> {
        self.workers.lock().map(|w| w.clone()).unwrap_or_default()
    }

    pub(super) async fn claimable_ids(&self, job_type: &str, limit: u64) -> Result<Vec<String>> {
        table::claimable_ids(&self.db, job_type, limit).await
    }

    /// Claims job `id` for `worker` and reads it. `None` when another worker won it, or when
    /// its payload cannot be read (it gives up at once: no retry can fix that).
    pub(super) async fn claim<J: DeserializeOwned>(
        &self,
        id: &str,
        job_type: &str,
        worker: &str,
    ) -> Result<Option<Request<J, Claim>>> {
        if !table::claim(&self.db, id, job_type, worker).await? {
            return Ok(None);
        }
        let Some(row) = table::load(&self.db, id).await? else {
            return Ok(None);
        };
        let claim = Claim {
            job_id: id.to_owned(),
            job_type: job_type.to_owned(),
            worker: worker.to_owned(),
            max_attempts: row.max_attempts,
        };
        let args = match serde_json::from_str::<J>(&row.job) {
            Ok(args) => args,
            Err(e) => {
                let error = ["unreadable payload: ", &e.to_string()].concat();
                self.settle(&claim, row.attempts, Settlement::Killed { error })
                    .await;
                return Ok(None);
            }
        };
        let mut parts = Parts::<Claim>::default();
        // The queue knows jobs by `claim.job_id`; apalis' own id is informational.
        parts.task_id = TaskId::from_str(id).unwrap_or_default();
        parts.attempt = Attempt::new_with_value(usize::try_from(row.attempts).unwrap_or(0));
        parts.namespace = Some(Namespace(job_type.to_owned()));
        parts.context = claim;
        Ok(Some(Request::new_with_parts(args, parts)))
    }

    /// Records how an attempt ended. When the database cannot take it now, the maintenance
    /// task retries; meanwhile the job stays locked by this live worker.
    pub(super) async fn settle(&self, claim: &Claim, attempts: i64, settlement: Settlement) {
        let unsettled = Unsettled {
            claim: claim.clone(),
            attempts,
            settlement,
        };
        if let Err(e) = self.try_settle(&unsettled).await {
            tracing::warn!(error = %e, job_type = %claim.job_type, "cannot record a job's outcome yet; will retry");
            if let Ok(mut pending) = self.unsettled.lock() {
                pending.push(unsettled);
            }
        }
    }

    async fn try_settle(&self, outcome: &Unsettled) -> Result<()> {
        let Unsettled {
            claim,
            attempts,
            settlement,
        } = outcome;
        let recorded = table::settle(
            &self.db,
            &claim.job_id,
            &claim.worker,
            *attempts,
            settlement,
        )
        .await?;
        let job_type = claim.job_type.as_str();
        if !recorded {
            tracing::warn!(
                job_id = %claim.job_id,
                job_type,
                "a job was handed to another worker while this one ran it (missed heartbeats)"
            );
            return Ok(());
        }
        match settlement {
            Settlement::Done => tracing::debug!(job_id = %claim.job_id, job_type, "job done"),
            Settlement::Retry {
                error,
                retry_in_secs,
            } => {
                tracing::warn!(
                    job_id = %claim.job_id, job_type, attempts, retry_in_secs, %error,
                    "job failed; it will be retried"
                );
                // Wake this process's workers when the retry is due; other processes find it
                // with their poll, should this one stop meanwhile.
                let (wakeup, job_type) = (self.wakeup.clone(), claim.job_type.clone());
                let delay = Duration::from_secs(u64::try_from(*retry_in_secs).unwrap_or(0));
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    wakeup.wake(&job_type);
                });
            }
            Settlement::Killed { error } => tracing::error!(
                job_id = %claim.job_id, job_type, attempts, %error,
                "job gave up; staff see it on /admin"
            ),
        }
        Ok(())
    }

    async fn settle_deferred(&self) {
        let pending = match self.unsettled.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        for outcome in pending {
            if self.try_settle(&outcome).await.is_err() {
                if let Ok(mut still) = self.unsettled.lock() {
                    still.push(outcome);
                }
            }
        }
    }

    /// Before the workers run: registers their rows (the jobs they lock refer to them), hands
    /// back jobs abandoned by dead processes, and wakes every worker to look for work.
    async fn start(&self) {
        if let Err(e) = table::heartbeat(&self.db, &self.workers()).await {
            tracing::warn!(error = %e, "cannot register the workers yet");
        }
        self.recover().await;
        self.wakeup.wake_all();
    }

    async fn recover(&self) {
        let stale = i64::try_from(self.settings.stale_after.as_secs()).unwrap_or(60);
        match table::recover_abandoned(&self.db, stale).await {
            Ok(0) => {}
            Ok(recovered) => {
                tracing::warn!(
                    recovered,
                    "jobs of workers that stopped responding are queued again"
                );
                self.wakeup.wake_all();
            }
            Err(e) => tracing::warn!(error = %e, "recovery pass failed"),
        }
    }

    /// The process's one periodic task, until `stop`.
    async fn maintain(&self, mut stop: watch::Receiver<bool>) {
        let settings = &self.settings;
        let job_types = self.wakeup.job_types();
        let mut last_heartbeat = Instant::now();
        let mut last_recovery = Instant::now();
        // Since when the database has answered without a break (`None`: it does not now).
        let mut reachable_since = Some(Instant::now());
        loop {
            tokio::select! {
                () = tokio::time::sleep(settings.idle_poll) => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            let polled = table::job_types_with_work(&self.db, &job_types).await;
            match &polled {
                Ok(ready) => {
                    for job_type in ready {
                        self.wakeup.wake(job_type);
                    }
                    if reachable_since.is_none() {
                        tracing::info!("the queue's database answers again");
                        reachable_since = Some(Instant::now());
                    }
                }
                Err(e) => {
                    if reachable_since.take().is_some() {
                        tracing::warn!(error = %e, "the queue's database does not answer");
                    }
                    continue;
                }
            }
            self.settle_deferred().await;
            // Renewed at once after an outage, so that other processes see this one alive.
            let outage_ended = reachable_since.is_some_and(|at| at.elapsed() < settings.idle_poll);
            if outage_ended || last_heartbeat.elapsed() >= settings.heartbeat_every {
                match table::heartbeat(&self.db, &self.workers()).await {
                    Ok(()) => last_heartbeat = Instant::now(),
                    Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
                }
            }
            // After an outage, wait until every live process had time to renew its heartbeat
            // before declaring anyone dead.
            let settled =
                reachable_since.is_some_and(|at| at.elapsed() >= settings.heartbeat_every);
            if settled && last_recovery.elapsed() >= settings.recover_every {
                self.recover().await;
                last_recovery = Instant::now();
            }
        }
    }

    /// After the workers stopped: outcomes still unwritten get one more try, and jobs these
    /// workers claimed but did not finish go back to the queue at once.
    async fn finish(&self) {
        self.settle_deferred().await;
        let ours: Vec<String> = self.workers().into_iter().map(|(id, _)| id).collect();
        match table::release(&self.db, &ours).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "unfinished jobs handed back to the queue"),
            Err(e) => tracing::warn!(error = %e, "cannot hand back unfinished jobs; recovery will"),
        }
    }

    /// Runs `monitor`'s workers and the maintenance task until `shutdown`, then lets running
    /// jobs finish (up to the monitor's shutdown timeout) and cleans up.
    pub async fn run(
        self: Arc<Self>,
        monitor: Monitor,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let monitor = monitor.on_event(log_worker_event);
        self.start().await;
        let (stop_tx, stop_rx) = watch::channel(false);
        let workers = async move {
            let outcome = monitor
                .run_with_signal(async move {
                    shutdown.await;
                    Ok(())
                })
                .await;
            let _ = stop_tx.send(true);
            outcome
        };
        let (outcome, ()) = tokio::join!(workers, self.maintain(stop_rx));
        self.finish().await;
        outcome.map_err(|e| Error::internal(format_args!("workers stopped: {e}")))
    }
}

/// Database trouble while claiming is worth a warning; a job's failure was logged by its
/// acknowledgement already.
fn log_worker_event(event: Worker<Event>) {
    if let Event::Error(error) = event.inner() {
        match error.downcast_ref::<apalis::prelude::Error>() {
            Some(apalis::prelude::Error::SourceError(cause)) => {
                tracing::warn!(worker = %event.id(), error = %cause, "worker cannot claim jobs");
            }
            _ => tracing::debug!(worker = %event.id(), %error, "job attempt failed"),
        }
    }
}
