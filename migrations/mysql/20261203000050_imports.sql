-- CSV imports between their preview and their confirmation: the plan the preview showed,
-- applied exactly (or not at all) by whichever process serves the confirmation.
CREATE TABLE imports (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    entity VARCHAR(64) NOT NULL,
    account_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    plan LONGTEXT NOT NULL,
    KEY imports_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
