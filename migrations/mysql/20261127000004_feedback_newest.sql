-- The series page lists a series' reviews newest first, a page at a time.
CREATE INDEX feedback_by_series_recent ON feedback (series_id, recorded_at);
