-- Resume and fork: where a forked run branched off, and an append-only trail of who resumed or
-- forked which run.

-- A fork is a debug run started from checkpoint forked_from_seq of run forked_from_run_id (time
-- travel). Not indexed: nothing looks runs up by their origin yet, and the journal's step commits
-- never change these columns, so the run row's in-place (HOT) updates are unaffected.
ALTER TABLE run
    ADD COLUMN forked_from_run_id UUID REFERENCES run (id),
    ADD COLUMN forked_from_seq    INTEGER,
    ADD CONSTRAINT run_fork_origin_complete
        CHECK ((forked_from_run_id IS NULL) = (forked_from_seq IS NULL));

-- One row per resume or fork, written in the same transaction as the action itself. A fork's row
-- belongs to the run it was forked from (whose conversation it copied); details name the fork.
CREATE TABLE run_audit (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id         UUID        NOT NULL REFERENCES run (id),
    tenant_id      TEXT        NOT NULL,
    action         TEXT        NOT NULL CHECK (action IN ('resume', 'fork')),
    by_subject     TEXT        NOT NULL,
    principal_type TEXT        NOT NULL CHECK (principal_type IN ('user', 'service')),
    reason         TEXT,
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    details        JSONB       NOT NULL DEFAULT '{}'
);

CREATE INDEX run_audit_by_run ON run_audit (run_id, id);

-- An audit trail nobody can rewrite: unlike checkpoints (which retention prunes), rows are never
-- deleted either.
CREATE FUNCTION run_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'run_audit rows are never updated or deleted';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER run_audit_no_change BEFORE UPDATE OR DELETE ON run_audit
    FOR EACH ROW EXECUTE FUNCTION run_audit_is_append_only();
