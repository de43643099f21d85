-- Staff tables: every editable row carries a version for optimistic concurrency (the other
-- catalog tables have one since the core schema), and the audit log is read newest first,
-- filtered by entity or by staff member.
ALTER TABLE countries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE languages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE genres ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_log_by_entity ON audit_log(entity, id);
CREATE INDEX audit_log_by_account ON audit_log(account_id, id);
