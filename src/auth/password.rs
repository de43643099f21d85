//! Password policy and bcrypt hashing. Hashing and verifying run on bcrypt's own threads, one
//! per core and at a lower priority than the threads serving pages: a burst of sign-ins queues
//! for them instead of starting hundreds of threads that all slow down together, and it takes
//! only the CPU that pages leave over.

use std::sync::{Arc, LazyLock, Mutex};

use crate::error::{Error, Result};

pub const BCRYPT_COST: u32 = 12;
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 64;
/// bcrypt reads at most 72 bytes; anything past 71 (plus its NUL) would be silently ignored.
pub const MAX_BYTES: usize = 71;

/// Checks the password policy; the message is safe to show beside the field.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err("Use at least 12 characters.");
    }
    if chars > MAX_CHARS {
        return Err("Use at most 64 characters.");
    }
    if password.len() > MAX_BYTES {
        return Err("That password is too long once encoded (at most 71 bytes); use fewer accented or special characters.");
    }
    if password.chars().any(char::is_control) {
        return Err("Control characters are not allowed in passwords.");
    }
    Ok(())
}

/// How much lower than the page-serving threads bcrypt's threads run (a nice value). Under a
/// flood of sign-ins every bcrypt thread is busy; at the same priority they took an equal share
/// of both cores from the runtime and the database, and the catalog's p99 grew three- to
/// six-fold on MariaDB. At +5 the scheduler gives a busy page thread about three times a bcrypt
/// thread's share, while bcrypt still has every idle cycle.
const BCRYPT_NICE: i32 = 5;

type Job = Box<dyn FnOnce() + Send>;

/// bcrypt's own threads, one per core, fed in order from one queue: at most one hash per core
/// at a time, and the async runtime's threads and its blocking pool stay free for requests.
static BCRYPT_THREADS: LazyLock<std::sync::mpsc::Sender<Job>> = LazyLock::new(|| {
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for number in 0..cores {
        let queue = queue.clone();
        let started = std::thread::Builder::new()
            .name(["bcrypt-", &number.to_string()].concat())
            .spawn(move || {
                lower_priority();
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = next else { return };
                    // A panicking job fails its own request (its answer channel drops); the
                    // thread carries on.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
        if let Err(e) = started {
            tracing::error!(error = %e, "cannot start a bcrypt thread");
        }
    }
    jobs
});

/// Raises this thread's nice value by `BCRYPT_NICE` (nice values run from -20 to 19).
fn lower_priority() {
    let thread = Some(rustix::thread::gettid());
    let lowered = rustix::process::getpriority_process(thread).and_then(|nice| {
        rustix::process::setpriority_process(thread, (nice + BCRYPT_NICE).min(19))
    });
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "bcrypt thread keeps the normal priority");
    }
}

/// Runs `work` on a bcrypt thread, after the work queued before it. A request cancelled while
/// its work waits is skipped; once started, the work runs to the end.
async fn on_bcrypt_thread<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        if !answer.is_closed() {
            let _ = answer.send(work());
        }
    });
    BCRYPT_THREADS
        .send(job)
        .map_err(|_| Error::internal("bcrypt threads are gone"))?;
    answered
        .await
        .map_err(|_| Error::internal("bcrypt work did not finish"))
}

pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    on_bcrypt_thread(move || bcrypt::hash(password, BCRYPT_COST))
        .await?
        .map_err(|e| Error::internal(format_args!("bcrypt: {e}")))
}

/// Verifies `password` against `stored`. With no stored hash (unknown user) it verifies against
/// a dummy hash of the same cost, so both branches take the same time, and answers false.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    let known = stored.is_some();
    let matches = on_bcrypt_thread(move || {
        let hash = stored.as_deref().unwrap_or_else(|| DUMMY_HASH.as_str());
        bcrypt::verify(password, hash).unwrap_or(false)
    })
    .await?;
    Ok(known && matches)
}

/// Computes the dummy hash now (on a bcrypt thread), so the first sign-in attempt for an
/// unknown user is not slower than the rest: that difference would itself leak.
pub async fn warm_up() {
    let _ = on_bcrypt_thread(|| DUMMY_HASH.len()).await;
}

/// A real cost-12 hash of a random string nobody knows, made once per process.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut secret = [0u8; 32];
    // Without OS randomness the dummy only needs to be a valid hash; zeros still cost the same.
    let _ = getrandom::fill(&mut secret);
    bcrypt::hash(secret, BCRYPT_COST).unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_counts_bytes_as_well_as_characters() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("twelve chars").is_ok());
        assert!(check_policy(&"a".repeat(64)).is_ok());
        assert!(check_policy(&"a".repeat(65)).is_err());
        // 24 three-byte characters: 24 characters (fine) but 72 bytes (too long for bcrypt).
        assert_eq!(check_policy(&"€".repeat(24)), Err("That password is too long once encoded (at most 71 bytes); use fewer accented or special characters."));
        assert!(check_policy("with a\u{0} nul inside").is_err());
        assert!(check_policy("tab\tinside password").is_err());
    }

    #[tokio::test]
    async fn bcrypt_runs_below_the_priority_of_page_serving() {
        fn own_nice() -> rustix::io::Result<i32> {
            rustix::process::getpriority_process(Some(rustix::thread::gettid()))
        }
        let serving = own_nice().expect("this thread's priority");
        let bcrypt = on_bcrypt_thread(own_nice)
            .await
            .expect("bcrypt thread")
            .expect("its priority");
        assert_eq!(bcrypt, (serving + BCRYPT_NICE).min(19));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bcrypt_runs_at_most_one_per_core_at_a_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..cores * 4)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(on_bcrypt_thread(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Long enough for the others to pile up if nothing held them back.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("slot");
        }
        assert!(
            peak.load(Ordering::SeqCst) <= cores,
            "peak {peak:?} on {cores} cores"
        );
    }

    #[test]
    fn dummy_hash_has_the_real_cost() {
        assert!(DUMMY_HASH.starts_with("$2b$12$"), "{}", DUMMY_HASH.as_str());
    }
}
