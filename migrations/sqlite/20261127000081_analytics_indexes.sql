-- Covering indexes for the analytics refresh (issue 10), checked with EXPLAIN at
-- `seed --scale 10`: the per-series sums of viewers and ratings and the per-customer review
-- figures read these narrow indexes instead of every whole episode and feedback row (a
-- feedback row carries its review text).
CREATE INDEX episodes_by_series_viewers ON episodes (series_id, total_viewers);
CREATE INDEX feedback_by_series_rating ON feedback (series_id, rating);
-- Serves the account foreign key as well, so the one-column index goes.
CREATE INDEX feedback_by_account_activity ON feedback (account_id, rating, recorded_at);
DROP INDEX feedback_by_account;
