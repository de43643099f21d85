-- How many series the catalog holds, kept exact by the database itself: the unfiltered
-- catalog's "N series" reads this one row instead of counting the series on every request.
-- Triggers, not application code, because every path that adds or removes a series (staff
-- tables, imports, Undo, seeding, a script) then keeps it without having to remember.
CREATE TABLE catalog_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    series_count INTEGER NOT NULL
);
INSERT INTO catalog_totals (id, series_count) SELECT 1, COUNT(*) FROM series;
CREATE TRIGGER catalog_totals_series_added AFTER INSERT ON series
BEGIN
    UPDATE catalog_totals SET series_count = series_count + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_totals_series_removed AFTER DELETE ON series
BEGIN
    UPDATE catalog_totals SET series_count = series_count - 1 WHERE id = 1;
END;
