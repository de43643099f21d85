-- Failed sign-ins per account name (known or not), shared by every process and kept across
-- restarts. key_hash is an HMAC of the name as the database compares names.
CREATE TABLE login_lockouts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    key_hash CHAR(64) NOT NULL UNIQUE,
    failures INT NOT NULL,
    last_failure_at DATETIME(6) NOT NULL,
    KEY login_lockouts_by_last_failure (last_failure_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- When the session's owner last typed their password (sign-in or re-authentication), and
-- whether the session still waits for its second factor (then it grants nothing else).
ALTER TABLE sessions
    ADD COLUMN password_at DATETIME(6) NULL,
    ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE;

-- Two-factor sign-in: the TOTP secret (encrypted), set up until confirmed by one code.
-- last_step is the newest time step accepted, so a code cannot be used twice.
CREATE TABLE account_totp (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE,
    secret_encrypted VARCHAR(255) NOT NULL,
    confirmed_at DATETIME(6) NULL,
    last_step BIGINT NULL,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One-time recovery codes: only their SHA-256 is stored.
CREATE TABLE recovery_codes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    code_hash CHAR(64) NOT NULL,
    used_at DATETIME(6) NULL,
    KEY recovery_codes_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
