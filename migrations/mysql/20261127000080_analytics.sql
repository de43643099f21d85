-- Analytics (issue 10): the refresh's bookkeeping and the two reports, materialized by the
-- background refresh so staff pages never aggregate the base tables per request. The six
-- query results and the chart datasets go into analytics_snapshots (one row each).

-- One row. A refresh holds the lease (lease_until in the future) so two never run at once;
-- computed_at is when the current snapshot's computation started (its "as of");
-- requested_at is the latest request (the dashboard shows "refreshing" while it is newer).
CREATE TABLE analytics_refresh (
    id INT NOT NULL PRIMARY KEY CHECK (id = 1),
    requested_at DATETIME(6) NULL,
    computed_at DATETIME(6) NULL,
    lease_owner VARCHAR(64) NULL,
    lease_until DATETIME(6) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
INSERT INTO analytics_refresh (id) VALUES (1);

-- Averages are held in hundredths (exact two decimals, rounded once, in Rust).
CREATE TABLE report_series_performance (
    series_id BIGINT NOT NULL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    production_house VARCHAR(200) NOT NULL,
    language VARCHAR(100) NOT NULL,
    origin_country VARCHAR(100) NOT NULL,
    planned_episodes BIGINT NOT NULL,
    actual_episodes BIGINT NOT NULL,
    total_viewers BIGINT NOT NULL,
    avg_rating BIGINT NULL,
    ratings BIGINT NOT NULL,
    KEY rsp_by_title (title, series_id),
    KEY rsp_by_viewers (total_viewers, series_id),
    KEY rsp_by_rating (avg_rating, series_id),
    KEY rsp_by_ratings (ratings, series_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE report_viewer_engagement (
    account_id BIGINT NOT NULL PRIMARY KEY,
    username VARCHAR(100) NOT NULL,
    country VARCHAR(100) NULL,
    joined_at DATETIME(6) NOT NULL,
    reviews BIGINT NOT NULL,
    avg_rating_given BIGINT NOT NULL,
    last_review_at DATETIME(6) NOT NULL,
    KEY rve_by_username (username, account_id),
    KEY rve_by_reviews (reviews, account_id),
    KEY rve_by_rating (avg_rating_given, account_id),
    KEY rve_by_last_review (last_review_at, account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
