//! Series posters uploaded by staff: checked and converted (`image`), stored as WebP
//! renditions under content-hash names in `MEDIA_DIR` (`store`), recorded on the series row
//! (`series.poster_key`) in an audited unit of work, and swept from the folder by a job once
//! no series uses them. Demo posters are drawn from the title (`draw`).

pub mod draw;
pub mod image;
pub mod store;

use sea_query::{Expr, Query};

use crate::admin::crud::{self, Actor};
use crate::admin::entities::SERIES;
use crate::audit::{Action, FieldChange};
use crate::db::schema::Series;
use crate::db::{Db, Touched, Tx};
use crate::error::{Error, Result};
pub use image::{Refused, Renditions};
use jobs::sweep_posters::SweepPosters;
pub use store::MediaDir;

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Nothing to change (no poster to remove).
    Unchanged,
    NotFound,
    Refused(Refused),
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    poster_key: Option<String>,
}

async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::internal(format_args!("{what}: {e}")))?
        .map_err(|e| Error::internal(format_args!("{what}: {e}")))
}

async fn current_key(tx: &mut Tx, series_id: i64) -> Result<Option<String>> {
    let select = Query::select()
        .column(Series::PosterKey)
        .from(Series::Table)
        .and_where(Expr::col(Series::Id).eq(series_id))
        .to_owned();
    Ok(tx
        .fetch_optional::<KeyRow>(&select)
        .await?
        .and_then(|row| row.poster_key))
}

async fn set_key(tx: &mut Tx, series_id: i64, key: Option<&str>) -> Result<()> {
    let update = Query::update()
        .table(Series::Table)
        .value(Series::PosterKey, key.map(str::to_owned))
        .and_where(Expr::col(Series::Id).eq(series_id))
        .to_owned();
    tx.execute(&update).await?;
    Ok(())
}

/// Checks and converts `upload`, stores its renditions, and makes it the series' poster:
/// audited, with the old poster's files swept after commit. A refused file stores nothing.
pub async fn upload(
    db: &Db,
    media: &MediaDir,
    series_id: i64,
    upload: Vec<u8>,
    actor: Actor,
) -> Result<Outcome> {
    if crud::label(db, &SERIES, series_id).await?.is_none() {
        return Ok(Outcome::NotFound);
    }
    let converted = tokio::task::spawn_blocking(move || image::process(&upload))
        .await
        .map_err(|e| Error::internal(format_args!("poster conversion: {e}")))?;
    let renditions = match converted {
        Ok(renditions) => std::sync::Arc::new(renditions),
        Err(refused) => return Ok(Outcome::Refused(refused)),
    };
    let key = renditions.key.clone();
    // Held until the row names the files, so a concurrent sweep cannot take them first.
    let lock = {
        let media = media.clone();
        blocking("media folder lock", move || media.lock(false)).await?
    };
    {
        let (media, renditions) = (media.clone(), renditions.clone());
        blocking("poster files", move || media.write(&renditions)).await?;
    }
    let outcome = db
        .transaction("upload a poster", |tx| {
            let key = key.clone();
            Box::pin(async move {
                if crud::lock_row(tx, &SERIES, series_id).await?.is_none() {
                    return Ok(Outcome::NotFound);
                }
                let before = current_key(tx, series_id).await?;
                set_key(tx, series_id, Some(&key)).await?;
                let change = FieldChange {
                    field: "poster".to_owned(),
                    before: before.clone(),
                    after: Some(key.clone()),
                };
                crud::audit_change(tx, &SERIES, actor, Action::Update, series_id, vec![change])
                    .await?;
                if before.is_some_and(|old| old != key) {
                    crate::queue::enqueue(tx, &SweepPosters::default()).await?;
                }
                tx.touch(Touched::Catalog);
                Ok(Outcome::Done)
            })
        })
        .await;
    drop(lock);
    outcome
}

/// Removes the series' uploaded poster (its `poster_url`, if any, shows again); audited, the
/// files swept after commit.
pub async fn remove(db: &Db, series_id: i64, actor: Actor) -> Result<Outcome> {
    db.transaction("remove a poster", |tx| {
        Box::pin(async move {
            if crud::lock_row(tx, &SERIES, series_id).await?.is_none() {
                return Ok(Outcome::NotFound);
            }
            let Some(before) = current_key(tx, series_id).await? else {
                return Ok(Outcome::Unchanged);
            };
            set_key(tx, series_id, None).await?;
            let change = FieldChange {
                field: "poster".to_owned(),
                before: Some(before),
                after: None,
            };
            crud::audit_change(tx, &SERIES, actor, Action::Update, series_id, vec![change]).await?;
            crate::queue::enqueue(tx, &SweepPosters::default()).await?;
            tx.touch(Touched::Catalog);
            Ok(Outcome::Done)
        })
    })
    .await
}

/// The series' uploaded poster, if it has one.
pub async fn key_of(db: &Db, series_id: i64) -> Result<Option<String>> {
    let select = Query::select()
        .column(Series::PosterKey)
        .from(Series::Table)
        .and_where(Expr::col(Series::Id).eq(series_id))
        .to_owned();
    Ok(db
        .fetch_optional::<KeyRow>(&select)
        .await?
        .and_then(|row| row.poster_key))
}

/// A series delete's hook: its poster's files are swept once the delete commits.
pub async fn series_deleting(tx: &mut Tx, series_id: i64) -> Result<()> {
    if current_key(tx, series_id).await?.is_some() {
        crate::queue::enqueue(tx, &SweepPosters::default()).await?;
    }
    Ok(())
}

/// Deletes the files of every poster key no series refers to; returns how many keys went.
/// The folder's exclusive lock waits for uploads between writing their files and committing.
pub async fn sweep(db: &Db, media: &MediaDir) -> Result<u64> {
    let lock = {
        let media = media.clone();
        blocking("media folder lock", move || media.lock(true)).await?
    };
    let on_disk = {
        let media = media.clone();
        blocking("media folder listing", move || media.keys()).await?
    };
    let mut unused = Vec::new();
    for chunk in on_disk.chunks(500) {
        let select = Query::select()
            .distinct()
            .column(Series::PosterKey)
            .from(Series::Table)
            .and_where(Expr::col(Series::PosterKey).is_in(chunk.iter().cloned()))
            .to_owned();
        let used: Vec<KeyRow> = db.fetch_all(&select).await?;
        unused.extend(
            chunk
                .iter()
                .filter(|key| !used.iter().any(|u| u.poster_key.as_deref() == Some(key)))
                .cloned(),
        );
    }
    let removed = unused.len() as u64;
    {
        let media = media.clone();
        blocking("poster file removal", move || {
            unused.iter().try_for_each(|key| media.remove(key))
        })
        .await?;
    }
    drop(lock);
    Ok(removed)
}
