-- StreamVault core schema (MariaDB >= 10.6 / MySQL >= 8.0). Mirrors migrations/sqlite.
CREATE TABLE countries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE,
    region VARCHAR(100) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE languages (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE genres (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE production_houses (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(200) NOT NULL UNIQUE,
    street VARCHAR(200) NOT NULL,
    city VARCHAR(100) NOT NULL,
    state VARCHAR(100) NOT NULL,
    postal_code VARCHAR(20) NOT NULL,
    country VARCHAR(100) NOT NULL,
    year_established INT NOT NULL CHECK (year_established BETWEEN 1800 AND 2100),
    version BIGINT NOT NULL DEFAULT 1
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE producers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    first_name VARCHAR(100) NOT NULL,
    middle_name VARCHAR(100),
    last_name VARCHAR(100) NOT NULL,
    street VARCHAR(200) NOT NULL,
    city VARCHAR(100) NOT NULL,
    state VARCHAR(100) NOT NULL,
    postal_code VARCHAR(20) NOT NULL,
    country VARCHAR(100) NOT NULL,
    phone VARCHAR(40) NOT NULL,
    email VARCHAR(254) NOT NULL UNIQUE,
    version BIGINT NOT NULL DEFAULT 1
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE producer_alliances (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    producer_id BIGINT NOT NULL,
    production_house_id BIGINT NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE KEY producer_alliances_pair (producer_id, production_house_id),
    KEY producer_alliances_by_house (production_house_id),
    CONSTRAINT producer_alliances_dates CHECK (ended_on IS NULL OR ended_on > started_on),
    FOREIGN KEY (producer_id) REFERENCES producers(id) ON DELETE CASCADE,
    FOREIGN KEY (production_house_id) REFERENCES production_houses(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE series (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    planned_episodes INT NOT NULL CHECK (planned_episodes > 0),
    language_id BIGINT NOT NULL,
    release_date DATE NOT NULL,
    origin_country_id BIGINT NOT NULL,
    production_house_id BIGINT NOT NULL,
    poster_url VARCHAR(500),
    trailer_url VARCHAR(500),
    version BIGINT NOT NULL DEFAULT 1,
    KEY series_by_production_house (production_house_id),
    KEY series_by_title (title),
    KEY series_by_language (language_id),
    KEY series_by_release_date (release_date),
    FOREIGN KEY (language_id) REFERENCES languages(id),
    FOREIGN KEY (origin_country_id) REFERENCES countries(id),
    FOREIGN KEY (production_house_id) REFERENCES production_houses(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE series_genres (
    series_id BIGINT NOT NULL,
    genre_id BIGINT NOT NULL,
    PRIMARY KEY (series_id, genre_id),
    KEY series_genres_by_genre (genre_id),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE,
    FOREIGN KEY (genre_id) REFERENCES genres(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE series_subtitles (
    series_id BIGINT NOT NULL,
    language_id BIGINT NOT NULL,
    PRIMARY KEY (series_id, language_id),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE,
    FOREIGN KEY (language_id) REFERENCES languages(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE series_dubbings (
    series_id BIGINT NOT NULL,
    language_id BIGINT NOT NULL,
    PRIMARY KEY (series_id, language_id),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE,
    FOREIGN KEY (language_id) REFERENCES languages(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE series_releases (
    series_id BIGINT NOT NULL,
    country_id BIGINT NOT NULL,
    released_on DATE NOT NULL,
    PRIMARY KEY (series_id, country_id),
    KEY series_releases_by_country (country_id),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE,
    FOREIGN KEY (country_id) REFERENCES countries(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE episodes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    series_id BIGINT NOT NULL,
    number INT NOT NULL CHECK (number > 0),
    title VARCHAR(200) NOT NULL,
    total_viewers BIGINT NOT NULL DEFAULT 0 CHECK (total_viewers >= 0),
    tech_interrupt BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE KEY episodes_number (series_id, number),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE schedules (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    episode_id BIGINT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    KEY schedules_by_episode (episode_id),
    CONSTRAINT schedules_dates CHECK (ends_on > starts_on),
    FOREIGN KEY (episode_id) REFERENCES episodes(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE contracts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    series_id BIGINT NOT NULL,
    per_episode_charge_cents BIGINT NOT NULL CHECK (per_episode_charge_cents > 0),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    KEY contracts_by_series (series_id),
    CONSTRAINT contracts_dates CHECK (ends_on > starts_on),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE accounts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL UNIQUE,
    email VARCHAR(254) NOT NULL UNIQUE,
    password_hash VARCHAR(100) NOT NULL,
    role VARCHAR(16) NOT NULL CHECK (role IN ('customer', 'employee')),
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    country_id BIGINT,
    monthly_subscription_cents BIGINT NOT NULL DEFAULT 0 CHECK (monthly_subscription_cents >= 0),
    created_at DATETIME(6) NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (country_id) REFERENCES countries(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE feedback (
    series_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    rating INT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body VARCHAR(400) NOT NULL DEFAULT '' CHECK (CHAR_LENGTH(body) <= 400),
    recorded_at DATETIME(6) NOT NULL,
    PRIMARY KEY (series_id, account_id),
    KEY feedback_by_account (account_id),
    FOREIGN KEY (series_id) REFERENCES series(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash CHAR(64) NOT NULL UNIQUE,
    account_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    KEY sessions_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE password_reset_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    token_hash CHAR(64) NOT NULL UNIQUE,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at DATETIME(6),
    KEY password_reset_tokens_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT,
    action VARCHAR(32) NOT NULL,
    entity VARCHAR(64) NOT NULL,
    entity_id VARCHAR(64) NOT NULL,
    detail TEXT NOT NULL,
    recorded_at DATETIME(6) NOT NULL,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE analytics_snapshots (
    query_name VARCHAR(64) NOT NULL PRIMARY KEY,
    body MEDIUMTEXT NOT NULL,
    refreshed_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE app_secrets (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value VARCHAR(255) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- apalis-sql job queue, created here with a collation MariaDB accepts (see DESIGN.md).
CREATE TABLE workers (
    id VARCHAR(36) NOT NULL,
    worker_type VARCHAR(200) NOT NULL,
    storage_name VARCHAR(200) NOT NULL,
    layers VARCHAR(1000) NOT NULL DEFAULT '',
    last_seen DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY WTIdx (worker_type),
    KEY LSIdx (last_seen)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE TABLE jobs (
    job JSON NOT NULL,
    id VARCHAR(36) NOT NULL,
    job_type VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'Pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 25,
    run_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    last_error VARCHAR(1000) DEFAULT NULL,
    lock_at DATETIME DEFAULT NULL,
    lock_by VARCHAR(36) DEFAULT NULL,
    done_at DATETIME DEFAULT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY job_status (status),
    KEY LIdx (lock_by),
    KEY JTIdx (job_type),
    KEY JRTIdx (run_at),
    KEY LCATIdx (lock_at),
    FOREIGN KEY (lock_by) REFERENCES workers(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
