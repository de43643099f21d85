-- A previewed import's plan in chunks (a 100,000-row plan is larger than one MariaDB packet),
-- and the runs of large imports applied by a background job: their state and progress, kept
-- apart from the plan so a progress note never waits on the plan's lock.
CREATE TABLE import_chunks (
    import_id VARCHAR(64) NOT NULL,
    seq INT NOT NULL,
    plan LONGTEXT NOT NULL,
    PRIMARY KEY (import_id, seq),
    FOREIGN KEY (import_id) REFERENCES imports(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE import_runs (
    import_id VARCHAR(64) NOT NULL PRIMARY KEY,
    entity VARCHAR(64) NOT NULL,
    account_id BIGINT NOT NULL,
    total INT NOT NULL,
    done INT NOT NULL DEFAULT 0,
    state VARCHAR(16) NOT NULL,
    message TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    created INT NOT NULL DEFAULT 0,
    updated INT NOT NULL DEFAULT 0,
    updated_at DATETIME(6) NOT NULL,
    KEY import_runs_by_updated (updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- How many rows a preview planned (the rows themselves are in import_chunks; `plan` is no
-- longer written).
ALTER TABLE imports ADD COLUMN total INT NOT NULL DEFAULT 0;
