-- The row's version right after the change an audit entry records (NULL for a delete, and for
-- entries that are not about a staff table's row): the live tables' events
-- (`GET /admin/E/events`) name it, the version of that change, not whatever the row holds when
-- the event is sent.
ALTER TABLE audit_log ADD COLUMN row_version BIGINT NULL;
