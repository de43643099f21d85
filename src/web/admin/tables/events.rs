//! `GET /admin/{entity}/events`: the table's changes as server-sent events, in this process
//! or any other on the same database (`admin::feed`). Each event is named `created`,
//! `updated` or `deleted`, its id is the change's place in the feed (what `Last-Event-ID`
//! resumes from) and its data names the row's `id` and `version` — nothing an employee could
//! not read on the table itself. A subscriber too far behind gets `reload` and the stream
//! ends. Streams end when the session ends or its account is disabled.
//!
//! `presence` events (no id: they are state, not history) say who else has a row open for
//! editing: `{"id": 7, "editors": ["alice"]}`, an empty list once nobody does. A new stream
//! starts with one for every row being edited.
//!
//! `import` events (no id) follow the subscriber's own large imports of this table, applied
//! by a job: `{"import_id", "state" (queued, running, applied, cancelled, stale, refused,
//! failed), "done", "total", "created", "updated", "message"}`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use poem::web::sse::{Event, SSE};
use poem::{IntoResponse, Response};
use tokio::sync::broadcast;

use super::request::TableRequest;
use crate::admin::feed::{self, Change, ChangeKind, Subscription, MAX_BACKLOG};
use crate::admin::import::runs::Run;
use crate::admin::presence::{self, Board};
use crate::auth::sessions;
use crate::error::Error;
use crate::web::errors::{Result, WebError};
use crate::web::state::State;

/// Heartbeat comments keep proxies from closing a quiet stream, and writing them is how a
/// stream the browser left (another page) is noticed and its place freed.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How often a quiet stream checks that its session is still live.
const SESSION_CHECK: Duration = Duration::from_secs(15);

pub async fn stream(req: &TableRequest) -> Result<Response> {
    let state = req.state.clone();
    let resume_after = match req.last_event_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::BadRequest("Last-Event-ID is not an event id".into()))?,
        ),
    };
    let Some(place) = state.subscriptions.open(req.user.session_id) else {
        return Err(WebError::TooManyRequests {
            retry_after: Duration::from_secs(30),
        });
    };
    // Subscribe before reading the backlog, so nothing committed in between is missed.
    let live = state.feed.subscribe().await?;
    let board = state.feed.presence();
    let imports = state.feed.imports();
    let entity = req.def.slug;
    let mut pending = VecDeque::new();
    let mut reload = false;
    if let Some(after) = resume_after {
        let missed = feed::changes_since(&state.db, entity, after, MAX_BACKLOG + 1).await?;
        if missed.len() as u64 > MAX_BACKLOG {
            reload = true;
        } else {
            pending.extend(missed);
        }
    }
    let caught_up = pending.iter().map(|c| c.seq).collect();
    let mut subscriber = Subscriber {
        state,
        entity,
        session_id: req.user.session_id,
        live,
        board,
        editors: BTreeMap::new(),
        account_id: req.user.account_id,
        imports,
        imports_told: BTreeMap::new(),
        presence_news: VecDeque::new(),
        pending,
        caught_up,
        floor: resume_after.unwrap_or(0),
        reload,
        done: false,
        _place: place,
    };
    subscriber.read_presence();
    subscriber.read_imports();
    let events = futures::stream::unfold(subscriber, |mut s| async move {
        let closing = s.state.feed.closing();
        let event = tokio::select! {
            event = s.next_event() => event?,
            () = closing => return None,
        };
        Some((event, s))
    })
    .boxed();
    let mut response = SSE::new(events).keep_alive(HEARTBEAT).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "X-Accel-Buffering",
        poem::http::HeaderValue::from_static("no"),
    );
    // Like every staff answer: never kept by a cache.
    headers.insert(
        poem::http::header::CACHE_CONTROL,
        poem::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

struct Subscriber {
    state: State,
    entity: &'static str,
    session_id: i64,
    live: broadcast::Receiver<Change>,
    /// Who edits which row, in every process.
    board: tokio::sync::watch::Receiver<Arc<Board>>,
    /// The other editors this page was last told about, per row.
    editors: BTreeMap<i64, Vec<String>>,
    /// `presence` and `import` events not sent yet.
    presence_news: VecDeque<Event>,
    account_id: i64,
    /// Large imports of late, in every process.
    imports: tokio::sync::watch::Receiver<Arc<Vec<Run>>>,
    /// What this page was last told of each of its imports.
    imports_told: BTreeMap<String, Run>,
    /// Changes read from the log on reconnect, sent before live ones.
    pending: VecDeque<Change>,
    /// Their ids: the live feed may bring them again.
    caught_up: std::collections::HashSet<i64>,
    /// The client had everything up to here (`Last-Event-ID`).
    floor: i64,
    reload: bool,
    done: bool,
    _place: Subscription,
}

impl Subscriber {
    /// The next event, or `None` when the stream ends.
    async fn next_event(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        if self.reload {
            self.done = true;
            return Some(Event::message("{}").event_type("reload"));
        }
        loop {
            if let Some(change) = self.pending.pop_front() {
                return Some(self.event(&change).await);
            }
            if let Some(news) = self.presence_news.pop_front() {
                return Some(news);
            }
            let change = tokio::select! {
                received = self.live.recv() => match received {
                    Ok(change) => change,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.done = true;
                        return Some(Event::message("{}").event_type("reload"));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                changed = self.board.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    self.read_presence();
                    continue;
                }
                changed = self.imports.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    self.read_imports();
                    continue;
                }
                () = tokio::time::sleep(SESSION_CHECK) => {
                    if !self.session_is_live().await {
                        return None;
                    }
                    continue;
                }
            };
            if change.entity != self.entity
                || change.seq <= self.floor
                || self.caught_up.contains(&change.seq)
            {
                continue;
            }
            return Some(self.event(&change).await);
        }
    }

    async fn event(&self, change: &Change) -> Event {
        // The version this change left, as its audit entry recorded it; a delete leaves none.
        // An entry written without one (before `…_audit_row_version.sql`, or about an account
        // row it did not change) names the version the row has now.
        let version = match (change.version, change.kind) {
            (Some(version), _) => Some(version),
            (None, ChangeKind::Deleted) => None,
            (None, _) => feed::version_of(&self.state.db, self.entity, change.row_id)
                .await
                .ok()
                .flatten(),
        };
        let data = serde_json::json!({ "id": change.row_id, "version": version });
        Event::message(data.to_string())
            .event_type(change.kind.event_name())
            .id(change.seq.to_string())
    }

    /// Queues a `presence` event for every row whose other editors changed since this page
    /// was last told.
    fn read_presence(&mut self) {
        let board = self.board.borrow_and_update().clone();
        let now = presence::seen_by(&board, self.entity, self.session_id);
        let rows: std::collections::BTreeSet<i64> =
            self.editors.keys().chain(now.keys()).copied().collect();
        for row in rows {
            let editors = now.get(&row).cloned().unwrap_or_default();
            if self.editors.get(&row).cloned().unwrap_or_default() == editors {
                continue;
            }
            let data = serde_json::json!({ "id": row, "editors": editors });
            self.presence_news
                .push_back(Event::message(data.to_string()).event_type("presence"));
        }
        self.editors = now;
    }

    /// Queues an `import` event for each of this employee's imports of this table that moved
    /// since the page was last told.
    fn read_imports(&mut self) {
        let runs = self.imports.borrow_and_update().clone();
        for run in runs.iter() {
            if run.entity != self.entity || run.account_id != self.account_id {
                continue;
            }
            if self.imports_told.get(&run.import_id) == Some(run) {
                continue;
            }
            let data = serde_json::json!({
                "import_id": run.import_id,
                "state": run.state().as_str(),
                "done": run.done,
                "total": run.total,
                "created": run.created,
                "updated": run.updated,
                "message": run.message,
            });
            self.presence_news
                .push_back(Event::message(data.to_string()).event_type("import"));
            self.imports_told.insert(run.import_id.clone(), run.clone());
        }
    }

    async fn session_is_live(&self) -> bool {
        let now = self.state.clock.now();
        sessions::is_live(&self.state.db, self.session_id, now)
            .await
            .unwrap_or(true)
    }
}
