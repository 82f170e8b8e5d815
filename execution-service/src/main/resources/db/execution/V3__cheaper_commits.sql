-- Cheaper step commits (the journal writes one per step of every run).

-- Every insert into run_event wakes the listeners of its runs (SSE streams, waiting parent runs) on
-- every instance, once per statement and run: the database does it as part of the insert, so no
-- writer can forget it and no writer pays a round trip of its own for it. PostgreSQL delivers the
-- notification only if the transaction commits.
CREATE FUNCTION run_event_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agentplane_run_events', runs.run_id::text)
    FROM (SELECT DISTINCT run_id FROM inserted) AS runs;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER run_event_notify AFTER INSERT ON run_event
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION run_event_notify();

-- A running run's row is updated at every step. Room left on each page lets PostgreSQL update it in
-- place (HOT: no new index entries) as long as no indexed column changes, which the journal's step
-- commits ensure.
ALTER TABLE run SET (fillfactor = 80);
