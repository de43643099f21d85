-- Account ids are never handed out twice: with a plain INTEGER PRIMARY KEY, SQLite gives a new
-- row max(id) + 1, so deleting the newest account let the next one take its id, and audit
-- entries about the deleted account then named a different person. AUTOINCREMENT keeps the
-- highest id ever used in sqlite_sequence. SQLite cannot add it in place, so the table is
-- rebuilt (the migration runs with foreign-key enforcement off, `Db::migrate`, so dropping the
-- old table fires no ON DELETE action; the children's references name `accounts` and hold
-- again once the new table takes the name). Same columns, order and constraints as before.
CREATE TABLE accounts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'employee')),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    country_id INTEGER REFERENCES countries(id),
    monthly_subscription_cents INTEGER NOT NULL DEFAULT 0 CHECK (monthly_subscription_cents >= 0),
    created_at TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO accounts_rebuilt (
    id, username, email, password_hash, role, first_name, last_name, country_id,
    monthly_subscription_cents, created_at, disabled, version
)
SELECT
    id, username, email, password_hash, role, first_name, last_name, country_id,
    monthly_subscription_cents, created_at, disabled, version
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;

-- Ids already used by accounts deleted before this migration survive in audit entries (staff
-- tables' keys, and reviews keyed `series/account`): the sequence starts above all of them.
DELETE FROM sqlite_sequence WHERE name = 'accounts';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'accounts', MAX(used) FROM (
    SELECT COALESCE(MAX(id), 0) AS used FROM accounts
    UNION ALL
    SELECT COALESCE(MAX(CAST(entity_id AS INTEGER)), 0) FROM audit_log
    WHERE entity IN ('customers', 'employees')
    UNION ALL
    SELECT COALESCE(MAX(CAST(substr(entity_id, instr(entity_id, '/') + 1) AS INTEGER)), 0)
    FROM audit_log WHERE entity = 'feedback'
);
