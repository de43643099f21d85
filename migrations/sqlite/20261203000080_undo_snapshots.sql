-- What a staff delete removed (the row and its cascaded children, whole), kept for a short
-- while so the one who deleted can undo it (`admin::crud::undo`).
CREATE TABLE undo_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX undo_snapshots_by_account ON undo_snapshots(account_id);
CREATE INDEX undo_snapshots_by_created_at ON undo_snapshots(created_at);
