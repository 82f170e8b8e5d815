-- Runs: what was asked, the agent version snapshotted for it, where it stands, and who holds it.
CREATE TABLE run (
    id                  UUID        PRIMARY KEY,
    tenant_id           TEXT        NOT NULL,
    agent_id            UUID        NOT NULL,
    agent_name          TEXT        NOT NULL,
    agent_version       INTEGER     NOT NULL,
    spec_hash           TEXT        NOT NULL,
    mode                TEXT        NOT NULL CHECK (mode IN ('production', 'debug')),
    status              TEXT        NOT NULL CHECK (status IN ('queued', 'running', 'waiting_approval',
                                        'succeeded', 'failed', 'cancelled', 'timed_out')),
    input               JSONB       NOT NULL,
    output              JSONB,
    -- The registry's resolution (agent version + every tool version) as it was at intake: later
    -- edits of the agent never reach a run in flight.
    snapshot            JSONB       NOT NULL,
    metadata            JSONB       NOT NULL,
    idempotency_key     TEXT,
    request_hash        TEXT,
    created_by          TEXT        NOT NULL,
    creator_type        TEXT        NOT NULL CHECK (creator_type IN ('user', 'service')),
    creator_roles       TEXT[]      NOT NULL,
    parent_run_id       UUID        REFERENCES run (id),
    parent_tool_call_id TEXT,
    depth               INTEGER     NOT NULL DEFAULT 0,
    steps               INTEGER     NOT NULL DEFAULT 0,
    input_tokens        BIGINT      NOT NULL DEFAULT 0,
    output_tokens       BIGINT      NOT NULL DEFAULT 0,
    cost_micros         BIGINT      NOT NULL DEFAULT 0,
    error_code          TEXT,
    error_message       TEXT,
    -- The last event's sequence number; events take the next ones under the run's row lock.
    last_seq            BIGINT      NOT NULL DEFAULT 0,
    -- Fencing: every claim increments the epoch, and every write names the epoch it holds.
    epoch               BIGINT      NOT NULL DEFAULT 0,
    lease_owner         TEXT,
    lease_expires_at    TIMESTAMPTZ,
    cancel_requested_at TIMESTAMPTZ,
    cancel_requested_by TEXT,
    cancel_reason       TEXT,
    -- The run's time limit, and when it runs out: counted from the first claim, not from intake,
    -- so time spent queued behind other runs is not charged to the run.
    timeout_seconds     INTEGER     NOT NULL CHECK (timeout_seconds > 0),
    deadline_at         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at          TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    checkpoints_pruned  BOOLEAN     NOT NULL DEFAULT false
);

CREATE UNIQUE INDEX run_idempotency_key ON run (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX run_by_tenant ON run (tenant_id, created_at DESC, id DESC);
CREATE INDEX run_by_parent ON run (parent_run_id) WHERE parent_run_id IS NOT NULL;
-- The sweeper's work lists: leases that ran out, runs nobody picked up, terminal runs to prune.
CREATE INDEX run_leases ON run (lease_expires_at) WHERE status = 'running';
CREATE INDEX run_waiting ON run (created_at) WHERE status = 'queued';
CREATE INDEX run_prunable ON run (finished_at) WHERE finished_at IS NOT NULL AND NOT checkpoints_pruned;

-- One row per step, append-only: enough to rebuild the run from the last one.
CREATE TABLE run_checkpoint (
    run_id      UUID        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    seq         INTEGER     NOT NULL,
    parent_seq  INTEGER,
    tenant_id   TEXT        NOT NULL,
    epoch       BIGINT      NOT NULL,
    step        INTEGER     NOT NULL,
    state       JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);

CREATE FUNCTION run_checkpoint_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'run_checkpoint rows are never updated';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER run_checkpoint_no_update BEFORE UPDATE ON run_checkpoint
    FOR EACH ROW EXECUTE FUNCTION run_checkpoint_is_append_only();

-- Every event of a run in sequence order: the SSE stream's replay and the Kafka payloads' source.
CREATE TABLE run_event (
    run_id      UUID        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    seq         BIGINT      NOT NULL,
    tenant_id   TEXT        NOT NULL,
    type        TEXT        NOT NULL,
    data        JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);
