-- Per-series figures kept current by every write that changes them (catalog::stats), so the
-- public pages never aggregate feedback or episodes per request.
CREATE TABLE series_stats (
    series_id INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
    ratings INTEGER NOT NULL DEFAULT 0 CHECK (ratings >= 0),
    rating_sum INTEGER NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_1 INTEGER NOT NULL DEFAULT 0 CHECK (rating_1 >= 0),
    rating_2 INTEGER NOT NULL DEFAULT 0 CHECK (rating_2 >= 0),
    rating_3 INTEGER NOT NULL DEFAULT 0 CHECK (rating_3 >= 0),
    rating_4 INTEGER NOT NULL DEFAULT 0 CHECK (rating_4 >= 0),
    rating_5 INTEGER NOT NULL DEFAULT 0 CHECK (rating_5 >= 0),
    -- rating_sum / ratings, NULL while unrated; stored so "best rated" can use an index.
    avg_rating REAL,
    total_viewers INTEGER NOT NULL DEFAULT 0 CHECK (total_viewers >= 0),
    episodes INTEGER NOT NULL DEFAULT 0 CHECK (episodes >= 0)
);
CREATE INDEX series_stats_by_rating ON series_stats(avg_rating, ratings);
CREATE INDEX series_stats_by_viewers ON series_stats(total_viewers);

INSERT INTO series_stats (series_id, ratings, rating_sum, rating_1, rating_2, rating_3, rating_4, rating_5, avg_rating, total_viewers, episodes)
SELECT s.id,
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id),
       (SELECT COALESCE(SUM(f.rating), 0) FROM feedback f WHERE f.series_id = s.id),
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id AND f.rating = 1),
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id AND f.rating = 2),
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id AND f.rating = 3),
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id AND f.rating = 4),
       (SELECT COUNT(*) FROM feedback f WHERE f.series_id = s.id AND f.rating = 5),
       (SELECT AVG(f.rating) FROM feedback f WHERE f.series_id = s.id),
       (SELECT COALESCE(SUM(e.total_viewers), 0) FROM episodes e WHERE e.series_id = s.id),
       (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id)
FROM series s;
