-- SQLite's side rebuilds the staff tables with AUTOINCREMENT so a deleted row's id is never
-- handed to a later row. MariaDB's AUTO_INCREMENT already never reuses one (InnoDB keeps its
-- counter across restarts since 10.2.4): nothing to change here.
DO 0;
