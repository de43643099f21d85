-- An uploaded poster: the content-hash name of its renditions in MEDIA_DIR. NULL when the
-- series has none (poster_url, an address elsewhere, may still be set; this one wins).
ALTER TABLE series ADD COLUMN poster_key VARCHAR(64) NULL;
-- The sweep asks which of the files on disk are still referenced.
CREATE INDEX series_by_poster_key ON series (poster_key);
