//! The floor: the same queries a page runs, through the `Db` layer in this process, with no
//! HTTP, middleware, rendering or page cache; as many at a time as `wrk` has connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use streamvault::catalog::search::TitleIndex;
use streamvault::catalog::{self, CatalogFilter, CatalogSort};
use streamvault::db::page::Page;
use streamvault::db::Db;
use streamvault::seed::scale::SplitMix64;

/// One request's worth of database work.
#[derive(Clone, Debug)]
pub enum Work {
    Catalog(CatalogFilter, Page),
    Series(i64),
}

/// Builds a request's work from a random generator.
pub type Generator = Arc<dyn Fn(&mut SplitMix64) -> Work + Send + Sync>;

#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

pub fn page(number: u32) -> Page {
    Page { number, size: 24 }
}

pub fn fixed(work: Work) -> Generator {
    Arc::new(move |_| work.clone())
}

/// The same distribution as the `catalog_random` wrk script: a search word, one filter, a sort.
pub fn catalog_random(
    words: Vec<String>,
    genres: u64,
    countries: u64,
    languages: u64,
) -> Generator {
    Arc::new(move |rng| {
        let mut filter = CatalogFilter {
            q: words[rng.below(words.len() as u64) as usize].clone(),
            sort: [
                CatalogSort::Title,
                CatalogSort::Newest,
                CatalogSort::Rating,
                CatalogSort::Viewers,
            ][rng.below(4) as usize],
            ..CatalogFilter::default()
        };
        match rng.below(3) {
            0 => filter.genre = Some(1 + rng.below(genres) as i64),
            1 => filter.country = Some(1 + rng.below(countries) as i64),
            _ => filter.language = Some(1 + rng.below(languages) as i64),
        }
        Work::Catalog(filter, page(1))
    })
}

pub fn series_random(series: u64) -> Generator {
    Arc::new(move |rng| Work::Series(1 + rng.below(series) as i64))
}

pub async fn measure(
    db: &Db,
    titles: Arc<TitleIndex>,
    generator: Generator,
    seconds: u64,
    concurrency: usize,
) -> Result<Measured> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (db, titles, generator) = (db.clone(), titles.clone(), generator.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = SplitMix64::new(0x5eed ^ worker as u64);
            let mut latencies: Vec<u32> = Vec::new();
            while Instant::now() < deadline {
                let work = generator(&mut rng);
                let begun = Instant::now();
                match work {
                    Work::Catalog(filter, page) => {
                        catalog::list(&db, &filter, page, Some(&titles)).await?;
                    }
                    Work::Series(id) => {
                        catalog::series_page(&db, id, chrono::Utc::now().date_naive()).await?;
                    }
                }
                latencies.push(begun.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |q: f64| -> f64 {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |&us| f64::from(us) / 1e3)
    };
    Ok(Measured {
        requests: all.len() as u64,
        seconds,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}
