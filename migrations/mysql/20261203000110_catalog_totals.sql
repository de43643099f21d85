-- How many series the catalog holds, kept exact by the database itself: the unfiltered
-- catalog's "N series" reads this one row instead of counting the series on every request.
-- Triggers, not application code, because every path that adds or removes a series (staff
-- tables, imports, Undo, seeding, a script) then keeps it without having to remember.
-- (MariaDB fires no trigger for a foreign key's cascade, but nothing cascades into `series`:
-- its references restrict.)
CREATE TABLE catalog_totals (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    series_count BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO catalog_totals (id, series_count) SELECT 1, COUNT(*) FROM series;
CREATE TRIGGER catalog_totals_series_added AFTER INSERT ON series FOR EACH ROW
    UPDATE catalog_totals SET series_count = series_count + 1 WHERE id = 1;
CREATE TRIGGER catalog_totals_series_removed AFTER DELETE ON series FOR EACH ROW
    UPDATE catalog_totals SET series_count = series_count - 1 WHERE id = 1;
