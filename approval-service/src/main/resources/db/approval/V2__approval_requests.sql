-- Approval requests: a human gate on a tool call, a promotion or a custom action.
CREATE TABLE approval_request (
    id                  UUID        PRIMARY KEY,
    tenant_id           TEXT        NOT NULL,
    kind                TEXT        NOT NULL CHECK (kind IN ('tool_call', 'promotion', 'custom')),
    -- The subject as the contract's ApprovalSubject, its stable key, and the ids the inbox filters on.
    subject             JSONB       NOT NULL,
    subject_key         TEXT        NOT NULL,
    run_id              UUID,
    resource_id         UUID,
    requester_subject   TEXT        NOT NULL,
    requester_roles     TEXT[]      NOT NULL,
    requester_type      TEXT        NOT NULL CHECK (requester_type IN ('user', 'service')),
    title               TEXT        NOT NULL,
    summary             TEXT        NOT NULL,
    context             JSONB       NOT NULL,
    required_approvals  INTEGER     NOT NULL CHECK (required_approvals >= 1),
    -- Widened by escalation; a decider needs one of these roles.
    approver_roles      TEXT[]      NOT NULL CHECK (cardinality(approver_roles) >= 1),
    exclude_requester   BOOLEAN     NOT NULL,
    expires_at          TIMESTAMPTZ,
    on_expiry           TEXT        NOT NULL CHECK (on_expiry IN ('approve', 'reject')),
    -- SLAs: the intervals as asked, and when they fall due (created_at + interval), which the
    -- scheduler's partial indexes can order by (timestamptz + interval is not immutable).
    remind_after        INTERVAL,
    escalate_after      INTERVAL,
    remind_at           TIMESTAMPTZ,
    escalate_at         TIMESTAMPTZ,
    reminded_at         TIMESTAMPTZ,
    escalated_at        TIMESTAMPTZ,
    status              TEXT        NOT NULL
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    created_at          TIMESTAMPTZ NOT NULL,
    decided_at          TIMESTAMPTZ,
    -- What ApprovalDecided said (an expired request approved on expiry has outcome 'approved').
    outcome             TEXT CHECK (outcome IN ('approved', 'rejected', 'expired', 'cancelled')),
    reason              TEXT,
    final_arguments     JSONB,
    arguments_diff      JSONB,
    -- The approvals.requested event it came from: a redelivered event never opens a second request.
    source_event_id     UUID,
    -- Bumped on every change of the row.
    version             INTEGER     NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, source_event_id),
    CHECK ((status = 'pending') = (outcome IS NULL))
);

-- At most one pending request per subject: a repeated request for a gate still open is a no-op.
CREATE UNIQUE INDEX approval_request_one_pending
    ON approval_request (tenant_id, subject_key) WHERE status = 'pending';

-- The inbox: newest first, by status or not, with the id as tie-breaker for the cursor.
CREATE INDEX approval_request_inbox
    ON approval_request (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX approval_request_inbox_all
    ON approval_request (tenant_id, created_at DESC, id DESC);
CREATE INDEX approval_request_subject ON approval_request (tenant_id, subject_key);
CREATE INDEX approval_request_run ON approval_request (tenant_id, run_id) WHERE run_id IS NOT NULL;
CREATE INDEX approval_request_resource
    ON approval_request (tenant_id, resource_id) WHERE resource_id IS NOT NULL;

-- The scheduler's three sweeps (across tenants) only ever look at pending rows that fall due.
CREATE INDEX approval_request_expiry
    ON approval_request (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
CREATE INDEX approval_request_reminder
    ON approval_request (remind_at)
    WHERE status = 'pending' AND remind_at IS NOT NULL AND reminded_at IS NULL;
CREATE INDEX approval_request_escalation
    ON approval_request (escalate_at)
    WHERE status = 'pending' AND escalate_at IS NOT NULL AND escalated_at IS NULL;

-- One decision per approver per request; the unique key is the last line of defence against a
-- double vote (the service checks first, under the request's row lock).
CREATE TABLE approval_decision (
    -- Decision order within a request (decisions are made one at a time, under the row lock).
    id                BIGSERIAL   PRIMARY KEY,
    approval_id       UUID        NOT NULL REFERENCES approval_request (id),
    tenant_id         TEXT        NOT NULL,
    approver          TEXT        NOT NULL,
    approver_roles    TEXT[]      NOT NULL,
    decision          TEXT        NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason            TEXT,
    edited_arguments  JSONB,
    arguments_diff    JSONB,
    channel           TEXT        NOT NULL CHECK (channel IN ('api', 'signed_webhook', 'action_link')),
    decided_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (approval_id, approver)
);

-- The audit trail: append-only. Nothing updates or deletes a row; the trigger below refuses it.
CREATE TABLE approval_audit (
    id           BIGSERIAL   PRIMARY KEY,
    approval_id  UUID        NOT NULL REFERENCES approval_request (id),
    tenant_id    TEXT        NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT        NOT NULL,
    action       TEXT        NOT NULL,
    detail       JSONB       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX approval_audit_approval ON approval_audit (approval_id, id);

CREATE FUNCTION approval_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approval_audit is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER approval_audit_append_only
    BEFORE UPDATE OR DELETE ON approval_audit
    FOR EACH ROW EXECUTE FUNCTION approval_audit_append_only();
