-- Analytics (issue 10): the refresh's bookkeeping and the two reports, materialized by the
-- background refresh so staff pages never aggregate the base tables per request. The six
-- query results and the chart datasets go into analytics_snapshots (one row each).

-- One row. A refresh holds the lease (lease_until in the future) so two never run at once;
-- computed_at is when the current snapshot's computation started (its "as of");
-- requested_at is the latest request (the dashboard shows "refreshing" while it is newer).
CREATE TABLE analytics_refresh (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    requested_at TEXT NULL,
    computed_at TEXT NULL,
    lease_owner TEXT NULL,
    lease_until TEXT NULL
);
INSERT INTO analytics_refresh (id) VALUES (1);

-- Averages are held in hundredths (exact two decimals, rounded once, in Rust).
CREATE TABLE report_series_performance (
    series_id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    production_house TEXT NOT NULL,
    language TEXT NOT NULL,
    origin_country TEXT NOT NULL,
    planned_episodes INTEGER NOT NULL,
    actual_episodes INTEGER NOT NULL,
    total_viewers INTEGER NOT NULL,
    avg_rating INTEGER NULL,
    ratings INTEGER NOT NULL
);
CREATE INDEX rsp_by_title ON report_series_performance (title, series_id);
CREATE INDEX rsp_by_viewers ON report_series_performance (total_viewers, series_id);
CREATE INDEX rsp_by_rating ON report_series_performance (avg_rating, series_id);
CREATE INDEX rsp_by_ratings ON report_series_performance (ratings, series_id);

CREATE TABLE report_viewer_engagement (
    account_id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    country TEXT NULL,
    joined_at TEXT NOT NULL,
    reviews INTEGER NOT NULL,
    avg_rating_given INTEGER NOT NULL,
    last_review_at TEXT NOT NULL
);
CREATE INDEX rve_by_username ON report_viewer_engagement (username, account_id);
CREATE INDEX rve_by_reviews ON report_viewer_engagement (reviews, account_id);
CREATE INDEX rve_by_rating ON report_viewer_engagement (avg_rating_given, account_id);
CREATE INDEX rve_by_last_review ON report_viewer_engagement (last_review_at, account_id);
