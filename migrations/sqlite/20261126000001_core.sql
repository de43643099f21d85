-- StreamVault core schema (SQLite). Mirrors migrations/mysql; CONTRACT.md §4 names every table.
CREATE TABLE countries (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL
);
CREATE TABLE languages (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE genres (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE production_houses (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    year_established INTEGER NOT NULL CHECK (year_established BETWEEN 1800 AND 2100),
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE producers (
    id INTEGER PRIMARY KEY,
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
CREATE TABLE producer_alliances (
    id INTEGER PRIMARY KEY,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    production_house_id INTEGER NOT NULL REFERENCES production_houses(id) ON DELETE CASCADE,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (producer_id, production_house_id),
    CHECK (ended_on IS NULL OR ended_on > started_on)
);
CREATE INDEX producer_alliances_by_house ON producer_alliances(production_house_id);
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    planned_episodes INTEGER NOT NULL CHECK (planned_episodes > 0),
    language_id INTEGER NOT NULL REFERENCES languages(id),
    release_date TEXT NOT NULL,
    origin_country_id INTEGER NOT NULL REFERENCES countries(id),
    production_house_id INTEGER NOT NULL REFERENCES production_houses(id),
    poster_url TEXT,
    trailer_url TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX series_by_production_house ON series(production_house_id);
CREATE INDEX series_by_title ON series(title);
CREATE INDEX series_by_language ON series(language_id);
CREATE INDEX series_by_release_date ON series(release_date);
CREATE TABLE series_genres (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    genre_id INTEGER NOT NULL REFERENCES genres(id),
    PRIMARY KEY (series_id, genre_id)
);
CREATE INDEX series_genres_by_genre ON series_genres(genre_id);
CREATE TABLE series_subtitles (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    language_id INTEGER NOT NULL REFERENCES languages(id),
    PRIMARY KEY (series_id, language_id)
);
CREATE TABLE series_dubbings (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    language_id INTEGER NOT NULL REFERENCES languages(id),
    PRIMARY KEY (series_id, language_id)
);
CREATE TABLE series_releases (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    country_id INTEGER NOT NULL REFERENCES countries(id),
    released_on TEXT NOT NULL,
    PRIMARY KEY (series_id, country_id)
);
CREATE INDEX series_releases_by_country ON series_releases(country_id);
CREATE TABLE episodes (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number > 0),
    title TEXT NOT NULL,
    total_viewers INTEGER NOT NULL DEFAULT 0 CHECK (total_viewers >= 0),
    tech_interrupt BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (series_id, number)
);
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on > starts_on)
);
CREATE INDEX schedules_by_episode ON schedules(episode_id);
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    per_episode_charge_cents INTEGER NOT NULL CHECK (per_episode_charge_cents > 0),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on > starts_on)
);
CREATE INDEX contracts_by_series ON contracts(series_id);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'employee')),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    country_id INTEGER REFERENCES countries(id),
    monthly_subscription_cents INTEGER NOT NULL DEFAULT 0 CHECK (monthly_subscription_cents >= 0),
    created_at TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE feedback (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 400),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (series_id, account_id)
);
CREATE INDEX feedback_by_account ON feedback(account_id);

-- Database-backed sessions: only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);

-- Password-reset tokens: only the SHA-256 of the e-mailed token is stored.
CREATE TABLE password_reset_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_reset_tokens_by_account ON password_reset_tokens(account_id);

-- Who changed what, written in the same transaction as the change.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);

-- Materialized analytics results, refreshed by a background job.
CREATE TABLE analytics_snapshots (
    query_name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);

-- Server-wide secrets (e.g. the CSRF key), generated once and shared by every process.
CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- apalis-sql job queue, owned here so one migrator manages every table.
CREATE TABLE Workers (
    id TEXT NOT NULL UNIQUE,
    worker_type TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    layers TEXT,
    last_seen INTEGER NOT NULL DEFAULT (strftime('%s', 'now'))
);
CREATE INDEX WTIdx ON Workers(worker_type);
CREATE INDEX LSIdx ON Workers(last_seen);
CREATE TABLE Jobs (
    job TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    job_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'Pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 25,
    run_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
    last_error TEXT,
    lock_at INTEGER,
    lock_by TEXT,
    done_at INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY(lock_by) REFERENCES Workers(id)
);
CREATE INDEX SIdx ON Jobs(status);
CREATE INDEX LIdx ON Jobs(lock_by);
CREATE INDEX JTIdx ON Jobs(job_type);
