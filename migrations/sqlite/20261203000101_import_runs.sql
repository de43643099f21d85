-- A previewed import's plan in chunks (a 100,000-row plan is larger than one MariaDB packet),
-- and the runs of large imports applied by a background job: their state and progress, kept
-- apart from the plan so a progress note never waits on the plan's lock.
CREATE TABLE import_chunks (
    import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    plan TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_runs (
    import_id TEXT NOT NULL PRIMARY KEY,
    entity TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    message TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX import_runs_by_updated ON import_runs(updated_at);

-- How many rows a preview planned (the rows themselves are in import_chunks; `plan` is no
-- longer written).
ALTER TABLE imports ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
