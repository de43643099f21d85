-- Indexes the public pages need on a large catalog (issue 11, plans checked with EXPLAIN at
-- `seed --scale 10`).
-- The series page lists a series' newest reviews: without this, a hit with 60,000 reviews
-- sorted all of them on every view.
CREATE INDEX feedback_by_series_recent ON feedback(series_id, recorded_at);
-- The catalog filtered by language and sorted by title walks this instead of sorting the
-- language's series; it also serves lookups by language alone, which the old index did.
CREATE INDEX series_by_language_title ON series(language_id, title);
DROP INDEX series_by_language;
