-- Failed sign-ins per account name (known or not), shared by every process and kept across
-- restarts. key_hash is an HMAC of the name as the database compares names.
CREATE TABLE login_lockouts (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL
);
CREATE INDEX login_lockouts_by_last_failure ON login_lockouts(last_failure_at);

-- When the session's owner last typed their password (sign-in or re-authentication), and
-- whether the session still waits for its second factor (then it grants nothing else).
ALTER TABLE sessions ADD COLUMN password_at TEXT;
ALTER TABLE sessions ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT 0;

-- Two-factor sign-in: the TOTP secret (encrypted), set up until confirmed by one code.
-- last_step is the newest time step accepted, so a code cannot be used twice.
CREATE TABLE account_totp (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    secret_encrypted TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER
);

-- One-time recovery codes: only their SHA-256 is stored.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_by_account ON recovery_codes(account_id);
