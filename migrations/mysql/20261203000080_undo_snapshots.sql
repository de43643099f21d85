-- What a staff delete removed (the row and its cascaded children, whole), kept for a short
-- while so the one who deleted can undo it (`admin::crud::undo`).
CREATE TABLE undo_snapshots (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    entity VARCHAR(64) NOT NULL,
    entity_id BIGINT NOT NULL,
    label VARCHAR(400) NOT NULL,
    payload LONGTEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY undo_snapshots_by_account (account_id),
    KEY undo_snapshots_by_created_at (created_at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
