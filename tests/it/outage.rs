//! MariaDB going away under load and coming back:
//! while it is gone every request is answered, with 503 + `Retry-After` where the database
//! was needed and never a 500; once it is back the same process serves normally again.
//!
//! Stopping the shared MariaDB would break every other test, so the app reaches its database
//! through a TCP proxy that the test cuts (every open connection dropped, new ones refused,
//! as when the server goes down) and restores.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use streamvault::auth::Role;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{
    create_account_in, eventually, mysql_server_url, spawn_on, Backend, Client, Options, TestDb,
    DEADLINE, PASSWORD,
};

/// A TCP relay to MariaDB that the test can cut and restore.
struct Proxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let (up, watching) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*watching.borrow() {
                    continue; // down: the connection is dropped at once
                }
                let mut down = watching.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = down.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { port, up }
    }

    /// Drops every open connection and refuses new ones.
    fn cut(&self) {
        let _ = self.up.send(false);
    }

    fn restore(&self) {
        let _ = self.up.send(true);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Up,
    Down,
    Back,
}

#[derive(Debug)]
struct Answer {
    phase: Phase,
    request: &'static str,
    /// `None`: no HTTP answer at all.
    status: Option<u16>,
    retry_after: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_going_away_under_load_answers_503_and_recovers() {
    let direct = TestDb::new(Backend::MySql).await;
    streamvault::seed::load_demo(&direct.db, chrono::Utc::now())
        .await
        .expect("demo data");
    create_account_in(&direct.db, "carla", Role::Customer).await;
    let server = mysql_server_url();
    let target: SocketAddr = server
        .trim_start_matches("mysql://")
        .rsplit('@')
        .next()
        .and_then(|host| host.parse().ok())
        .unwrap_or_else(|| "127.0.0.1:3306".parse().expect("addr"));
    let proxy = Proxy::start(target).await;
    let name = direct.url.rsplit('/').next().expect("database name");
    let proxied = direct
        .through(format!("mysql://root@127.0.0.1:{}/{name}", proxy.port))
        .await;
    let app = spawn_on(Arc::new(proxied), Backend::MySql, Options::default()).await;

    let customer = app.client();
    customer.sign_in("carla", PASSWORD).await;
    let token = customer.get("/account").await.csrf();
    let profile = [
        ("email", "carla@example.com".to_owned()),
        ("first_name", "Test".to_owned()),
        ("last_name", "carla".to_owned()),
        ("country_id", String::new()),
        ("csrf_token", token),
    ];

    let phase = Arc::new(Mutex::new(Phase::Up));
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let running = Arc::new(AtomicUsize::new(1));
    let visitor = app.client();
    let mut load = Vec::new();
    for worker in 0..4 {
        let (phase, answers, running) = (phase.clone(), answers.clone(), running.clone());
        let (customer_http, visitor_http) = (customer.http.clone(), visitor.http.clone());
        let base = app.address.clone();
        let profile = profile.clone();
        load.push(tokio::spawn(async move {
            let mut round = worker;
            while running.load(Ordering::SeqCst) == 1 {
                round += 1;
                let (request, builder) = match round % 5 {
                    0 => (
                        "GET /",
                        visitor_http.get(format!("{base}/?page={}", round % 3 + 1)),
                    ),
                    1 => (
                        "GET /series/3",
                        visitor_http.get(format!("{base}/series/3")),
                    ),
                    2 => ("GET /healthz", visitor_http.get(format!("{base}/healthz"))),
                    3 => ("GET /account", customer_http.get(format!("{base}/account"))),
                    _ => (
                        "POST /account",
                        customer_http.post(format!("{base}/account")).form(&profile),
                    ),
                };
                let started = *phase.lock().expect("phase");
                let response = builder.timeout(Duration::from_secs(20)).send().await;
                let ended = *phase.lock().expect("phase");
                // A request that saw the cut or the restore counts as one made while down.
                let now = if started == ended {
                    started
                } else {
                    Phase::Down
                };
                let answer = match response {
                    Ok(response) => Answer {
                        phase: now,
                        request,
                        status: Some(response.status().as_u16()),
                        retry_after: response.headers().contains_key("retry-after"),
                    },
                    Err(_) => Answer {
                        phase: now,
                        request,
                        status: None,
                        retry_after: false,
                    },
                };
                answers.lock().expect("answers").push(answer);
            }
        }));
    }

    // Some load while the database is there, then the cut.
    let answered = |phase: Phase, check: fn(&Answer) -> bool, least: usize| {
        let answers = answers.clone();
        move || {
            let answers = answers.clone();
            async move {
                let seen = answers
                    .lock()
                    .expect("answers")
                    .iter()
                    .filter(|a| a.phase == phase && check(a))
                    .count();
                (seen >= least)
                    .then_some(())
                    .ok_or_else(|| format!("{seen} of {least} answers while {phase:?}"))
            }
        }
    };
    eventually(DEADLINE, answered(Phase::Up, |a| a.status == Some(200), 20)).await;
    *phase.lock().expect("phase") = Phase::Down;
    proxy.cut();
    // Down until every kind of request has met the outage and answered 503.
    eventually(DEADLINE, || {
        let answers = answers.clone();
        async move {
            let answers = answers.lock().expect("answers");
            let mut kinds: Vec<&str> = answers
                .iter()
                .filter(|a| a.phase == Phase::Down && a.status == Some(503))
                .map(|a| a.request)
                .collect();
            kinds.sort_unstable();
            kinds.dedup();
            (kinds.len() == 5)
                .then_some(())
                .ok_or_else(|| format!("503 so far only from {kinds:?}"))
        }
    })
    .await;
    *phase.lock().expect("phase") = Phase::Back;
    proxy.restore();
    // Recovered without a restart: every kind of request succeeds again.
    let check = Client::new(app.address.clone());
    eventually(DEADLINE, || async {
        for path in ["/", "/series/3", "/healthz"] {
            let status = check.get(path).await.status;
            if status != 200 {
                return Err(format!("{path} answers {status}"));
            }
        }
        let account = customer.get("/account").await.status;
        if account != 200 {
            return Err(format!("/account answers {account}"));
        }
        Ok(())
    })
    .await;
    // The load keeps going until it, too, has been answered again.
    eventually(
        DEADLINE,
        answered(Phase::Back, |a| a.status == Some(200), 20),
    )
    .await;
    running.store(0, Ordering::SeqCst);
    for task in load {
        task.await.expect("load task");
    }

    let answers = answers.lock().expect("answers");
    let count = |phase: Phase, status: Option<u16>| {
        answers
            .iter()
            .filter(|a| a.phase == phase && a.status == status)
            .count()
    };
    eprintln!(
        "{} requests; up: {} ok; down: {} ok, {} 503; back: {} ok, {} 503",
        answers.len(),
        count(Phase::Up, Some(200)),
        count(Phase::Down, Some(200)),
        count(Phase::Down, Some(503)),
        count(Phase::Back, Some(200)),
        count(Phase::Back, Some(503)),
    );
    let unanswered: Vec<&Answer> = answers.iter().filter(|a| a.status.is_none()).collect();
    assert!(
        unanswered.is_empty(),
        "requests without an answer: {unanswered:#?}"
    );
    let wrong: Vec<&Answer> = answers
        .iter()
        .filter(|a| !matches!(a.status, Some(200 | 503)))
        .collect();
    assert!(wrong.is_empty(), "only 200 or 503 expected: {wrong:#?}");
    let silent: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == Some(503) && !a.retry_after)
        .take(5)
        .collect();
    assert!(
        silent.is_empty(),
        "every 503 says when to retry: {silent:#?}"
    );
    assert!(count(Phase::Up, Some(503)) == 0, "no 503 before the outage");
    assert!(
        count(Phase::Down, Some(503)) > 0,
        "the outage was noticed: {answers:#?}"
    );
    assert!(count(Phase::Back, Some(200)) > 0);
}
