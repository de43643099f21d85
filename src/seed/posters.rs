//! Posters for seeded catalogs, drawn here from the titles (no network): every demo series
//! gets its own; the large synthetic catalogs share a few title-less designs, so
//! `seed --scale` stays fast. Run after the rows are committed, for series without a poster.

use sea_query::{Expr, Order, Query};

use crate::db::schema::Series;
use crate::db::{Db, Touched};
use crate::error::{Error, Result};
use crate::posters::{draw, image, MediaDir, Renditions};

/// Distinct designs a synthetic catalog shares.
const SHARED_DESIGNS: u32 = 12;

/// How the seeded series' posters are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// One poster per series, with its title (the demo).
    Titled,
    /// A few shared title-less designs (the synthetic catalogs).
    Shared,
}

#[derive(sqlx::FromRow)]
struct Untitled {
    id: i64,
    title: String,
}

/// Draws, stores and assigns a poster to every series without one; returns how many series
/// got one.
pub async fn draw_missing(db: &Db, media: &MediaDir, style: Style) -> Result<u64> {
    let select = Query::select()
        .columns([Series::Id, Series::Title])
        .from(Series::Table)
        .and_where(Expr::col(Series::PosterKey).is_null())
        .order_by(Series::Id, Order::Asc)
        .to_owned();
    let rows: Vec<Untitled> = db.fetch_all(&select).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    // What to draw: each title, or the shared designs (series pick one by id).
    let inputs: Vec<Option<String>> = match style {
        Style::Titled => rows.iter().map(|r| Some(r.title.clone())).collect(),
        Style::Shared => (0..SHARED_DESIGNS.min(rows.len() as u32))
            .map(|_| None)
            .collect(),
    };
    let drawn = tokio::task::spawn_blocking(move || render_all(&inputs))
        .await
        .map_err(|e| Error::internal(format_args!("drawing posters: {e}")))??;
    let lock = {
        let media = media.clone();
        tokio::task::spawn_blocking(move || media.lock(false))
            .await
            .map_err(|e| Error::internal(format_args!("media folder lock: {e}")))?
            .map_err(|e| Error::internal(format_args!("media folder lock: {e}")))?
    };
    let keys: Vec<String> = drawn.iter().map(|r| r.key.clone()).collect();
    {
        let media = media.clone();
        tokio::task::spawn_blocking(move || drawn.iter().try_for_each(|r| media.write(r)))
            .await
            .map_err(|e| Error::internal(format_args!("poster files: {e}")))?
            .map_err(|e| Error::internal(format_args!("poster files: {e}")))?;
    }
    // Series grouped by the key they get: one statement per key and chunk of ids.
    let mut groups: Vec<(String, Vec<i64>)> =
        keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (i, row) in rows.iter().enumerate() {
        let slot = match style {
            Style::Titled => i,
            Style::Shared => (row.id.rem_euclid(i64::from(SHARED_DESIGNS)) as usize) % groups.len(),
        };
        if let Some((_, ids)) = groups.get_mut(slot) {
            ids.push(row.id);
        }
    }
    let groups = std::sync::Arc::new(groups);
    let assigned = db
        .transaction("assign the seeded posters", |tx| {
            let groups = groups.clone();
            Box::pin(async move {
                let mut assigned = 0;
                for (key, ids) in groups.iter() {
                    for chunk in ids.chunks(500) {
                        let update = Query::update()
                            .table(Series::Table)
                            .value(Series::PosterKey, key.clone())
                            .and_where(Expr::col(Series::Id).is_in(chunk.iter().copied()))
                            .and_where(Expr::col(Series::PosterKey).is_null())
                            .to_owned();
                        assigned += tx.execute(&update).await?;
                    }
                }
                tx.touch(Touched::Catalog);
                Ok(assigned)
            })
        })
        .await;
    drop(lock);
    assigned
}

/// Draws and encodes each poster, on every core.
fn render_all(inputs: &[Option<String>]) -> Result<Vec<Renditions>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = inputs.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<Renditions>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .enumerate()
            .map(|(part, inputs)| {
                scope.spawn(move || {
                    inputs
                        .iter()
                        .enumerate()
                        .map(|(i, input)| {
                            let picture = match input {
                                Some(title) => draw::poster(title),
                                None => draw::pattern((part * chunk + i) as u32),
                            };
                            image::renditions(&picture).map_err(|e| {
                                Error::internal(format_args!("encoding a poster: {e}"))
                            })
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::internal("a poster-drawing thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(inputs.len());
    for part in results {
        all.extend(part?);
    }
    Ok(all)
}
