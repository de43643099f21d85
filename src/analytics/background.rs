//! Where the analytics refresh runs: one thread of its own, niced, with a single-threaded
//! runtime and a one-connection pool (`Db::connect_background`). Its heavy queries then take
//! only the CPU page serving leaves over (on SQLite the connection's worker thread is created
//! from this thread and inherits its nice value), never one of the serving pool's
//! connections, and one statement at a time. The thread starts with the first refresh and
//! ends when its `Background` is dropped.

use std::sync::Mutex;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::error::{Error, Result};

/// How much lower than page serving the refresh runs (a nice value; bcrypt runs at +5).
pub const REFRESH_NICE: i32 = 10;

/// A piece of work for the thread: given its connection (or why there is none).
type Work = Box<dyn FnOnce(std::result::Result<Db, String>) -> BoxFuture<'static, ()> + Send>;

pub struct Background {
    url: String,
    sender: Mutex<Option<mpsc::UnboundedSender<Work>>>,
}

impl Background {
    /// Nothing starts until the first [`Background::run`].
    pub fn new(database_url: &str) -> Self {
        Self {
            url: database_url.to_owned(),
            sender: Mutex::new(None),
        }
    }

    /// Runs `work` on the background thread with its connection and returns its result.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Db) -> BoxFuture<'static, Result<T>> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Work = Box::new(move |db| {
            Box::pin(async move {
                let outcome = match db {
                    Ok(db) => work(db).await,
                    Err(why) => Err(Error::internal(why)),
                };
                // The asker may have gone (its job was cancelled): nothing to tell then.
                let _ = done.send(outcome);
            })
        });
        self.sender()?
            .send(job)
            .map_err(|_| Error::internal("the analytics thread has stopped"))?;
        result
            .await
            .map_err(|_| Error::internal("the analytics thread dropped its work"))?
    }

    fn sender(&self) -> Result<mpsc::UnboundedSender<Work>> {
        let mut sender = self
            .sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(live) = sender.as_ref().filter(|s| !s.is_closed()) {
            return Ok(live.clone());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let url = self.url.clone();
        std::thread::Builder::new()
            .name("analytics-refresh".to_owned())
            .spawn(move || thread_main(&url, rx))
            .map_err(|e| Error::internal(format_args!("analytics thread: {e}")))?;
        *sender = Some(tx.clone());
        Ok(tx)
    }
}

fn thread_main(url: &str, mut work: mpsc::UnboundedReceiver<Work>) {
    lower_priority();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "analytics thread has no runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let mut db: Option<Db> = None;
        while let Some(job) = work.recv().await {
            let conn = match &db {
                Some(db) => Ok(db.clone()),
                None => match Db::connect_background(url).await {
                    Ok(connected) => {
                        db = Some(connected.clone());
                        Ok(connected)
                    }
                    Err(e) => Err(format!("analytics connection: {e}")),
                },
            };
            job(conn).await;
        }
        if let Some(db) = db {
            db.close().await;
        }
    });
}

/// Raises this thread's nice value by [`REFRESH_NICE`]; threads it creates inherit it.
fn lower_priority() {
    let thread = Some(rustix::thread::gettid());
    let lowered = rustix::process::getpriority_process(thread).and_then(|nice| {
        rustix::process::setpriority_process(thread, (nice + REFRESH_NICE).min(19))
    });
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "analytics thread keeps the normal priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("priority")
    }

    #[tokio::test]
    async fn work_runs_on_one_niced_thread_and_reports_a_missing_database() {
        let dir = std::env::temp_dir().join(format!("sv-bg-{}", std::process::id()));
        let url = format!("sqlite://{}/bg.db", dir.display());
        let background = Background::new(&url);
        let serving = own_nice();
        let (name, nice) = background
            .run(|db| {
                Box::pin(async move {
                    db.ping().await?;
                    let name = std::thread::current().name().map(str::to_owned);
                    Ok((name, own_nice()))
                })
            })
            .await
            .expect("ran");
        assert_eq!(name.as_deref(), Some("analytics-refresh"));
        assert_eq!(nice, (serving + REFRESH_NICE).min(19));
        // The same thread (and connection) serves the next piece of work.
        let again = background
            .run(|_| Box::pin(async { Ok(own_nice()) }))
            .await
            .expect("ran again");
        assert_eq!(again, nice);
        drop(background);
        std::fs::remove_dir_all(&dir).ok();

        let nowhere = Background::new("mysql://nobody@127.0.0.1:1/none");
        let refused = nowhere.run(|_| Box::pin(async { Ok(()) })).await;
        assert!(refused.is_err());
    }
}
