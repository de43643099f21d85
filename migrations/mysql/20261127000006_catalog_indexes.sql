-- Indexes the public pages need on a large catalog (issue 11, plans checked with EXPLAIN at
-- `seed --scale 10`).
-- The catalog filtered by language and sorted by title walks this instead of sorting the
-- language's series; it also serves the language foreign key, which the old index did.
CREATE INDEX series_by_language_title ON series (language_id, title);
DROP INDEX series_by_language ON series;
