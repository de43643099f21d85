-- CSV imports between their preview and their confirmation: the plan the preview showed,
-- applied exactly (or not at all) by whichever process serves the confirmation.
CREATE TABLE imports (
    id TEXT NOT NULL PRIMARY KEY,
    entity TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    plan TEXT NOT NULL
);
CREATE INDEX imports_by_account ON imports(account_id);
