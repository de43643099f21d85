//! Waking this process's workers: when it queues a job itself, and when its poll finds work
//! queued elsewhere. Workers otherwise sleep, so an idle process costs next to nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Shared through the app state (inside [`super::Queue`]) and by every worker of the process.
#[derive(Clone, Default)]
pub struct Wakeup {
    waiters: Arc<Mutex<HashMap<String, Vec<Arc<Notify>>>>>,
}

impl std::fmt::Debug for Wakeup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wakeup").finish_non_exhaustive()
    }
}

impl Wakeup {
    /// The signal a worker of `job_type` waits on.
    pub fn subscribe(&self, job_type: &str) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        if let Ok(mut waiters) = self.waiters.lock() {
            waiters
                .entry(job_type.to_owned())
                .or_default()
                .push(notify.clone());
        }
        notify
    }

    /// Wakes the workers of `job_type`. A worker busy claiming keeps the signal (a stored
    /// permit) and looks again when it is done, so no wakeup is lost.
    pub fn wake(&self, job_type: &str) {
        if let Ok(waiters) = self.waiters.lock() {
            for notify in waiters.get(job_type).into_iter().flatten() {
                notify.notify_one();
            }
        }
    }

    pub fn wake_all(&self) {
        if let Ok(waiters) = self.waiters.lock() {
            for notify in waiters.values().flatten() {
                notify.notify_one();
            }
        }
    }

    /// The job types some worker of this process consumes.
    pub fn job_types(&self) -> Vec<String> {
        self.waiters
            .lock()
            .map(|waiters| waiters.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The queue name of a job type (apalis-sql's convention, kept so queued rows stay valid).
pub fn job_type_of<J>() -> &'static str {
    std::any::type_name::<J>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wakeup_sent_before_the_wait_is_kept() {
        let wakeup = Wakeup::default();
        let reset = wakeup.subscribe("reset");
        let other = wakeup.subscribe("other");
        wakeup.wake("reset");
        tokio::time::timeout(std::time::Duration::from_secs(1), reset.notified())
            .await
            .expect("the stored wakeup is delivered");
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), other.notified())
                .await
                .is_err(),
            "other job types sleep on"
        );
        let mut types = wakeup.job_types();
        types.sort();
        assert_eq!(types, ["other", "reset"]);
    }
}
