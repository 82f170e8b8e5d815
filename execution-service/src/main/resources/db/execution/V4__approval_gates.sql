-- Gated tool calls: one row per call that needs a human decision, from the approval request to the
-- decision that lets its run continue.
CREATE TABLE run_gate (
    run_id          UUID        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    tool_call_id    TEXT        NOT NULL,
    tenant_id       TEXT        NOT NULL,
    -- Derived from (run id, tool call id), so a worker that opens the gate again after a crash
    -- asks for the same approval instead of a second one.
    approval_id     UUID        NOT NULL UNIQUE,
    tool_name       TEXT        NOT NULL,
    arguments       JSONB       NOT NULL,
    status          TEXT        NOT NULL
                        CHECK (status IN ('waiting', 'approved', 'rejected', 'expired', 'cancelled')),
    final_arguments JSONB,
    arguments_diff  JSONB,
    reason          TEXT,
    decided_by      TEXT[],
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at      TIMESTAMPTZ,
    -- A gate closed by its run ending (cancel, timeout) still has a pending request in the approval
    -- service; this marks when that service was told, so a failed call is retried.
    withdrawn_at    TIMESTAMPTZ,
    PRIMARY KEY (run_id, tool_call_id)
);

CREATE INDEX run_gate_to_withdraw ON run_gate (requested_at)
    WHERE status = 'cancelled' AND withdrawn_at IS NULL;

-- A run parked for approvals holds no lease and no deadline: the time it had left is kept here and
-- given back when a worker claims it again, so hours spent waiting for a human are not charged to
-- the run's time limit.
ALTER TABLE run ADD COLUMN time_left_ms BIGINT;
