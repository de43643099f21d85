-- The series page's read model: per series, what its public page lists that changes only
-- when staff write (genres, languages, releases, episodes, airing windows), as one JSON
-- document refreshed in the writing transaction (`series_pages`). Rows for existing series
-- are filled by `Db::migrate` right after this file runs (the JSON is built in Rust, the
-- same code as every refresh); until then the page reads the base tables.
CREATE TABLE series_pages (
    series_id BIGINT NOT NULL PRIMARY KEY,
    body LONGTEXT NOT NULL,
    CONSTRAINT series_pages_series FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
