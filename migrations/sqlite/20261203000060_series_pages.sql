-- The series page's read model: per series, what its public page lists that changes only
-- when staff write (genres, languages, releases, episodes, airing windows), as one JSON
-- document refreshed in the writing transaction (`series_pages`). Rows for existing series
-- are filled by `Db::migrate` right after this file runs (the JSON is built in Rust, the
-- same code as every refresh); until then the page reads the base tables.
CREATE TABLE series_pages (
    series_id INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
    body TEXT NOT NULL
);
