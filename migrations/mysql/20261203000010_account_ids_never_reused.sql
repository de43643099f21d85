-- Account ids are never handed out twice. InnoDB's AUTO_INCREMENT already never goes back
-- (its counter is persisted since MySQL 8.0 and MariaDB 10.2), so this side has nothing to
-- change; the file keeps both trees at the same versions (the SQLite side rebuilds its table).
DO 0;
