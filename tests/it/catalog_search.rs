//! The catalog search's prefilter (`catalog::search::TitleIndex`) must never change a result:
//! with it and without it, every search, sort and filter lists the same series, in the same
//! order, on both databases, including titles whose characters each collation treats in its
//! own way (accents, ligatures, combining marks, `ß`, LIKE's own wildcards).

use streamvault::catalog::search::TitleIndex;
use streamvault::catalog::{self, CatalogFilter, CatalogSort};
use streamvault::db::page::Page;

use crate::both_backends;
use crate::fixtures::SeriesRow;
use crate::helpers::{Backend, TestDb};

const TRICKY_TITLES: &[&str] = &[
    "Café Society",
    "CAFE NOIR",
    "Cafe\u{301} Bar",
    "Straße der Nacht",
    "Zoë's Ærø Crossing",
    "50% Off_Sale",
    "Back\\slash Blues",
    "Ｆｕｌｌ Width",
    "naïve Harbour",
    "İstanbul Nights",
    "ﬁnal cut",
    "Tab\tInside",
    "Soft\u{ad}hyphen",
    "Ünïcödé Ünder",
];

const TERMS: &[&str] = &[
    "cafe",
    "CAFÉ",
    "café",
    "e bar",
    "e\u{301} bar",
    "strasse",
    "strae",
    "straße",
    "ss",
    "50%",
    "%",
    "_",
    "off_",
    "\\",
    "back\\",
    "ull",
    "full",
    "naive",
    "naïve",
    "istanbul",
    "final",
    "fi",
    "ae",
    "aero",
    "zoe",
    "the",
    "o",
    "harbour",
    "tabinside",
    "tab\tinside",
    "softhyphen",
    "soft",
    "unicode",
    "nder",
    "zzz",
    "'s",
    " ",
];

async fn search_prefilter_never_changes_a_result(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = &test_db.db;
    streamvault::seed::load_demo(db, chrono::Utc::now())
        .await
        .expect("demo data");
    let titles: Vec<(i64, String)> = TRICKY_TITLES
        .iter()
        .enumerate()
        .map(|(i, t)| (1_000 + i as i64, (*t).to_owned()))
        .collect();
    db.transaction("test setup", move |tx| {
        let titles = titles.clone();
        Box::pin(async move {
            for (id, title) in titles {
                SeriesRow::new(id, title)
                    .planned_episodes(3)
                    .insert(tx)
                    .await?;
            }
            Ok(())
        })
    })
    .await
    .expect("insert tricky titles");

    let index = TitleIndex::load(db).await.expect("title index");
    let everything = Page {
        number: 1,
        size: Page::MAX_SIZE,
    };
    let mut narrowed = 0;
    for term in TERMS {
        if index.candidates(term, 512).is_some() {
            narrowed += 1;
        }
        for sort in [
            CatalogSort::Title,
            CatalogSort::Newest,
            CatalogSort::Rating,
            CatalogSort::Viewers,
        ] {
            for language in [None, Some(1)] {
                let filter = CatalogFilter {
                    q: (*term).to_owned(),
                    sort,
                    language,
                    ..CatalogFilter::default()
                };
                let with = catalog::list(db, &filter, everything, Some(&index))
                    .await
                    .expect("with the prefilter");
                let without = catalog::list(db, &filter, everything, None)
                    .await
                    .expect("without it");
                let ids = |page: &catalog::CatalogPage| -> Vec<i64> {
                    page.rows.iter().map(|r| r.id).collect()
                };
                assert_eq!(
                    ids(&with),
                    ids(&without),
                    "{backend:?}: {term:?} sorted by {sort:?}, language {language:?}"
                );
            }
        }
    }
    assert!(narrowed >= TERMS.len() / 2, "the prefilter was mostly used");
}
both_backends!(search_prefilter_never_changes_a_result);
