-- Failed jobs wait for their retry unlocked, so any live worker may take them up (the queue's
-- own backend, src/queue/table.rs); apalis-sql left them locked by the worker that failed them,
-- which stranded them for good when that process was gone.
UPDATE jobs SET lock_by = NULL, lock_at = NULL WHERE status = 'Failed';
