-- Who has which staff-table row open for editing, shared by every process: a row is listed
-- while its editor's page keeps saying so (heartbeats), and counts as left after 30 s of
-- silence. Nothing here is history: rows are removed on leave and pruned once stale.
CREATE TABLE edit_presence (
    session_id BIGINT NOT NULL,
    entity VARCHAR(64) NOT NULL,
    row_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    seen_at DATETIME(6) NOT NULL,
    PRIMARY KEY (session_id, entity, row_id),
    KEY edit_presence_by_seen (seen_at),
    KEY edit_presence_by_account (account_id),
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
