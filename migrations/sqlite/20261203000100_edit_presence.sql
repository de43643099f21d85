-- Who has which staff-table row open for editing, shared by every process: a row is listed
-- while its editor's page keeps saying so (heartbeats), and counts as left after 30 s of
-- silence. Nothing here is history: rows are removed on leave and pruned once stale.
CREATE TABLE edit_presence (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (session_id, entity, row_id)
);
CREATE INDEX edit_presence_by_seen ON edit_presence(seen_at);
CREATE INDEX edit_presence_by_account ON edit_presence(account_id);
