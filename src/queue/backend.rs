//! The apalis backend the workers consume: claims jobs from the queue tables one conditional
//! UPDATE at a time when woken (see [`super::wakeup`]), and records each attempt's outcome
//! (its `Ack`). apalis still runs the workers (`Monitor`, `WorkerBuilder`, handlers, data);
//! pushing stays apalis-sql's `Storage::push` (see [`super::Queue`]).

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{
    Backend, Context, Error as ApalisError, Poller, Request, RequestStream, Worker,
};
use apalis_core::codec::json::JsonCodec;
use apalis_core::layers::{Ack, AckLayer};
use apalis_core::response::Response;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use super::runner::{Claim, Runner};
use super::table::Settlement;
use super::wakeup::job_type_of;

/// How long a worker waits after the database failed it before trying again.
const ERROR_PAUSE: Duration = Duration::from_secs(1);
/// How long a worker at its concurrency limit waits before looking again (no query).
const BUSY_PAUSE: Duration = Duration::from_millis(50);
/// Claimable ids read per query.
const BATCH: u64 = 8;

/// The backend of the workers of job type `J`.
pub struct SqlBackend<J> {
    runner: Arc<Runner>,
    job: PhantomData<fn() -> J>,
}

impl<J> SqlBackend<J> {
    fn new(runner: Arc<Runner>) -> Self {
        Self {
            runner,
            job: PhantomData,
        }
    }
}

// Here rather than in `runner`, so the runner never depends on its backends.
impl Runner {
    /// The backend for a worker of job type `J` (`WorkerBuilder::backend`).
    pub fn backend<J>(self: &Arc<Self>) -> SqlBackend<J> {
        SqlBackend::new(self.clone())
    }
}

impl<J> Clone for SqlBackend<J> {
    fn clone(&self) -> Self {
        Self::new(self.runner.clone())
    }
}

impl<J> Backend<Request<J, Claim>> for SqlBackend<J>
where
    J: DeserializeOwned + Send + 'static,
{
    type Stream = RequestStream<Request<J, Claim>>;
    type Layer = AckLayer<SqlBackend<J>, J, Claim, JsonCodec<String>>;
    type Codec = JsonCodec<String>;

    fn poll(self, worker: &Worker<Context>) -> Poller<Self::Stream, Self::Layer> {
        let job_type = job_type_of::<J>();
        let wakeup = self.runner.register(worker.id().name(), job_type);
        let claimer = Claimer::<J> {
            runner: self.runner.clone(),
            worker: worker.clone(),
            job_type,
            wakeup,
            ids: VecDeque::new(),
            wait: Wait::Nothing,
            job: PhantomData,
        };
        let stream = futures::stream::unfold(claimer, |mut claimer| async move {
            let item = claimer.next().await?;
            Some((item, claimer))
        })
        .boxed();
        // The process's one maintenance task (see `Runner::run`) does heartbeats and recovery.
        Poller::new_with_layer(
            stream,
            futures::future::pending::<()>(),
            AckLayer::new(self),
        )
    }
}

enum Wait {
    Nothing,
    /// Until this process queues a job of this type or its poll finds one.
    Wakeup,
    Pause(Duration),
}

/// The stream of one worker: claims jobs while there are any, then sleeps until woken.
struct Claimer<J> {
    runner: Arc<Runner>,
    worker: Worker<Context>,
    job_type: &'static str,
    wakeup: Arc<Notify>,
    ids: VecDeque<String>,
    wait: Wait,
    job: PhantomData<fn() -> J>,
}

impl<J: DeserializeOwned> Claimer<J> {
    /// The next claimed job (`Some(Ok(None))` when there is none for now); `None` ends the
    /// stream once the worker shuts down.
    async fn next(&mut self) -> Option<Result<Option<Request<J, Claim>>, ApalisError>> {
        loop {
            match std::mem::replace(&mut self.wait, Wait::Nothing) {
                Wait::Nothing => {}
                Wait::Wakeup => self.wakeup.notified().await,
                Wait::Pause(pause) => tokio::time::sleep(pause).await,
            }
            if self.worker.is_shutting_down() {
                return None;
            }
            if !self.worker.is_ready() || self.worker.task_count() >= self.runner.max_concurrent() {
                self.wait = Wait::Pause(BUSY_PAUSE);
                continue;
            }
            let Some(id) = self.ids.pop_front() else {
                match self.runner.claimable_ids(self.job_type, BATCH).await {
                    Ok(ids) if ids.is_empty() => {
                        self.wait = Wait::Wakeup;
                        return Some(Ok(None));
                    }
                    Ok(ids) => self.ids = ids.into(),
                    Err(e) => {
                        self.wait = Wait::Pause(ERROR_PAUSE);
                        return Some(Err(source_error(e)));
                    }
                }
                continue;
            };
            match self
                .runner
                .claim::<J>(&id, self.job_type, self.worker.id().name())
                .await
            {
                Ok(Some(request)) => return Some(Ok(Some(request))),
                // Another worker won it, or it could not be read and gave up.
                Ok(None) => continue,
                Err(e) => {
                    self.ids.clear();
                    self.wait = Wait::Pause(ERROR_PAUSE);
                    return Some(Err(source_error(e)));
                }
            }
        }
    }
}

fn source_error(error: crate::error::Error) -> ApalisError {
    ApalisError::SourceError(Arc::new(Box::new(error)))
}

impl<J, Res> Ack<J, Res, JsonCodec<String>> for SqlBackend<J>
where
    J: Send + Sync,
    Res: Send + Sync,
{
    type Context = Claim;
    type AckError = std::convert::Infallible;

    /// Records the outcome; a database failure here is retried by the maintenance task, and
    /// the job stays locked by this (live) worker until then, so it cannot run twice.
    async fn ack(
        &mut self,
        claim: &Claim,
        response: &Response<Res>,
    ) -> Result<(), std::convert::Infallible> {
        let attempts = i64::try_from(response.attempt.current()).unwrap_or(i64::MAX);
        let settlement = match &response.inner {
            Ok(_) => Settlement::Done,
            Err(error) => {
                let message = describe(error);
                if is_permanent(error) || attempts >= claim.max_attempts {
                    Settlement::Killed { error: message }
                } else {
                    Settlement::Retry {
                        error: message,
                        retry_in_secs: retry_delay_secs(attempts),
                    }
                }
            }
        };
        self.runner.settle(claim, attempts, settlement).await;
        Ok(())
    }
}

/// The handler's own error message, without apalis' wrapping.
fn describe(error: &ApalisError) -> String {
    match error {
        ApalisError::Failed(inner) | ApalisError::Abort(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// Aborted by the handler, or an error no retry can fix ([`jobs::Permanent`]).
fn is_permanent(error: &ApalisError) -> bool {
    match error {
        ApalisError::Abort(_) => true,
        ApalisError::Failed(inner) => jobs::is_permanent(inner.as_ref().as_ref()),
        _ => false,
    }
}

/// 2 s after the first failed attempt, doubling each time, at most ten minutes: with the 25
/// attempts jobs get, an outage of about three hours is ridden out.
pub fn retry_delay_secs(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 10)).unwrap_or(10);
    2i64.pow(doublings).min(600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_cap() {
        assert_eq!(retry_delay_secs(1), 2);
        assert_eq!(retry_delay_secs(2), 4);
        assert_eq!(retry_delay_secs(9), 512);
        assert_eq!(retry_delay_secs(10), 600);
        assert_eq!(retry_delay_secs(24), 600);
    }

    #[test]
    fn permanent_errors_are_recognized_through_apalis() {
        let permanent = ApalisError::Failed(Arc::new(jobs::Permanent::failure("bad address")));
        assert!(is_permanent(&permanent));
        assert_eq!(describe(&permanent), "bad address");
        let transient = ApalisError::Failed(Arc::new("connection refused".into()));
        assert!(!is_permanent(&transient));
    }
}
