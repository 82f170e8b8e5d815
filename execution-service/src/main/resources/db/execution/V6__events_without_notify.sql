-- New events no longer NOTIFY. PostgreSQL takes one cluster-wide lock in every notifying
-- transaction's commit and holds it through the WAL flush, so with durable commits every
-- transaction that appended events committed one fsync after another: step commits could not
-- share flushes. Listeners are now woken by the instance that commits (in process) and by a poll
-- of the runs an instance listens to (RunNotifications); cancel requests still NOTIFY (rare).
DROP TRIGGER run_event_notify ON run_event;
DROP FUNCTION run_event_notify();
