-- Rows of the staff tables never hand their ids to a later row: with a plain INTEGER PRIMARY
-- KEY, SQLite gives a new row max(id) + 1, so deleting the newest genre (series, episode, …)
-- let the next one take its id: the deleted row's audit history then read as the new row's,
-- and Undo of the delete refused ("Another row has its place now"). MariaDB's AUTO_INCREMENT
-- never reuses an id (its counter is persistent), so its side of this migration is a no-op.
-- AUTOINCREMENT keeps the highest id ever used in sqlite_sequence. SQLite cannot add it in
-- place, so each table is rebuilt as `…_account_ids_never_reused.sql` rebuilt `accounts`
-- (foreign-key enforcement is off while migrations run, `Db::migrate`; the children's
-- references name the table and hold again once the rebuilt one takes the name). Same
-- columns, order, constraints, indexes and triggers as before.

-- countries
CREATE TABLE countries_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO countries_rebuilt (id, name, region, version)
SELECT id, name, region, version FROM countries;
DROP TABLE countries;
ALTER TABLE countries_rebuilt RENAME TO countries;

-- languages
CREATE TABLE languages_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO languages_rebuilt (id, name, version)
SELECT id, name, version FROM languages;
DROP TABLE languages;
ALTER TABLE languages_rebuilt RENAME TO languages;

-- genres
CREATE TABLE genres_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO genres_rebuilt (id, name, version)
SELECT id, name, version FROM genres;
DROP TABLE genres;
ALTER TABLE genres_rebuilt RENAME TO genres;

-- production_houses
CREATE TABLE production_houses_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    year_established INTEGER NOT NULL CHECK (year_established BETWEEN 1800 AND 2100),
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO production_houses_rebuilt (id, name, street, city, state, postal_code, country, year_established, version)
SELECT id, name, street, city, state, postal_code, country, year_established, version FROM production_houses;
DROP TABLE production_houses;
ALTER TABLE production_houses_rebuilt RENAME TO production_houses;

-- producers
CREATE TABLE producers_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    middle_name TEXT,
    last_name TEXT NOT NULL,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO producers_rebuilt (id, first_name, middle_name, last_name, street, city, state, postal_code, country, phone, email, version)
SELECT id, first_name, middle_name, last_name, street, city, state, postal_code, country, phone, email, version FROM producers;
DROP TABLE producers;
ALTER TABLE producers_rebuilt RENAME TO producers;

-- producer_alliances
CREATE TABLE producer_alliances_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    production_house_id INTEGER NOT NULL REFERENCES production_houses(id) ON DELETE CASCADE,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (producer_id, production_house_id),
    CHECK (ended_on IS NULL OR ended_on > started_on)
);
INSERT INTO producer_alliances_rebuilt (id, producer_id, production_house_id, started_on, ended_on, version)
SELECT id, producer_id, production_house_id, started_on, ended_on, version FROM producer_alliances;
DROP TABLE producer_alliances;
ALTER TABLE producer_alliances_rebuilt RENAME TO producer_alliances;
CREATE INDEX producer_alliances_by_house ON producer_alliances(production_house_id);

-- series
CREATE TABLE series_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    planned_episodes INTEGER NOT NULL CHECK (planned_episodes > 0),
    language_id INTEGER NOT NULL REFERENCES languages(id),
    release_date TEXT NOT NULL,
    origin_country_id INTEGER NOT NULL REFERENCES countries(id),
    production_house_id INTEGER NOT NULL REFERENCES production_houses(id),
    poster_url TEXT,
    trailer_url TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    poster_key VARCHAR(64) NULL
);
INSERT INTO series_rebuilt (id, title, planned_episodes, language_id, release_date, origin_country_id, production_house_id, poster_url, trailer_url, version, poster_key)
SELECT id, title, planned_episodes, language_id, release_date, origin_country_id, production_house_id, poster_url, trailer_url, version, poster_key FROM series;
DROP TABLE series;
ALTER TABLE series_rebuilt RENAME TO series;
CREATE INDEX series_by_language_title ON series(language_id, title);
CREATE INDEX series_by_poster_key ON series (poster_key);
CREATE INDEX series_by_production_house ON series(production_house_id);
CREATE INDEX series_by_release_date ON series(release_date);
CREATE INDEX series_by_title ON series(title);
CREATE TRIGGER catalog_totals_series_added AFTER INSERT ON series
BEGIN
    UPDATE catalog_totals SET series_count = series_count + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_totals_series_removed AFTER DELETE ON series
BEGIN
    UPDATE catalog_totals SET series_count = series_count - 1 WHERE id = 1;
END;

-- episodes
CREATE TABLE episodes_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number > 0),
    title TEXT NOT NULL,
    total_viewers INTEGER NOT NULL DEFAULT 0 CHECK (total_viewers >= 0),
    tech_interrupt BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (series_id, number)
);
INSERT INTO episodes_rebuilt (id, series_id, number, title, total_viewers, tech_interrupt, version)
SELECT id, series_id, number, title, total_viewers, tech_interrupt, version FROM episodes;
DROP TABLE episodes;
ALTER TABLE episodes_rebuilt RENAME TO episodes;
CREATE INDEX episodes_by_series_viewers ON episodes (series_id, total_viewers);

-- schedules
CREATE TABLE schedules_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on > starts_on)
);
INSERT INTO schedules_rebuilt (id, episode_id, starts_on, ends_on, version)
SELECT id, episode_id, starts_on, ends_on, version FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_rebuilt RENAME TO schedules;
CREATE INDEX schedules_by_episode ON schedules(episode_id);

-- contracts
CREATE TABLE contracts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    per_episode_charge_cents INTEGER NOT NULL CHECK (per_episode_charge_cents > 0),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on > starts_on)
);
INSERT INTO contracts_rebuilt (id, series_id, per_episode_charge_cents, starts_on, ends_on, version)
SELECT id, series_id, per_episode_charge_cents, starts_on, ends_on, version FROM contracts;
DROP TABLE contracts;
ALTER TABLE contracts_rebuilt RENAME TO contracts;
CREATE INDEX contracts_by_series ON contracts(series_id);

-- Ids of rows deleted before this migration survive in audit entries and Undo snapshots: each
-- sequence starts above all of them (rebuilding and renaming left one row per table there).
DELETE FROM sqlite_sequence WHERE name = 'countries';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'countries', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM countries
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'countries'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'countries'
);
DELETE FROM sqlite_sequence WHERE name = 'languages';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'languages', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM languages
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'languages'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'languages'
);
DELETE FROM sqlite_sequence WHERE name = 'genres';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'genres', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM genres
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'genres'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'genres'
);
DELETE FROM sqlite_sequence WHERE name = 'production_houses';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'production_houses', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM production_houses
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'production-houses'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'production-houses'
);
DELETE FROM sqlite_sequence WHERE name = 'producers';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'producers', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM producers
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'producers'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'producers'
);
DELETE FROM sqlite_sequence WHERE name = 'producer_alliances';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'producer_alliances', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM producer_alliances
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'alliances'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'alliances'
);
DELETE FROM sqlite_sequence WHERE name = 'series';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'series', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM series
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'series'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'series'
);
DELETE FROM sqlite_sequence WHERE name = 'episodes';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'episodes', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM episodes
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'episodes'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'episodes'
);
DELETE FROM sqlite_sequence WHERE name = 'schedules';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'schedules', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM schedules
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'schedules'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'schedules'
);
DELETE FROM sqlite_sequence WHERE name = 'contracts';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'contracts', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM contracts
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log WHERE entity = 'contracts'
    UNION ALL
    SELECT COALESCE(MAX(entity_id), 0) FROM undo_snapshots WHERE entity = 'contracts'
);
