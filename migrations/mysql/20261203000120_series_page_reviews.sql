-- The series page's first page of reviews, kept beside its document (`series_pages.reviews`):
-- a JSON array of the newest reviews (one more than a page, so the page knows whether a next
-- one exists), rebuilt in every transaction that writes a review of the series, so a page view
-- is one indexed read. NULL means "not built": the page then reads `feedback` itself.
-- Existing rows are filled by `Db::migrate` (`series_pages::fill_missing`) right after this.
ALTER TABLE series_pages ADD COLUMN reviews LONGTEXT NULL;
