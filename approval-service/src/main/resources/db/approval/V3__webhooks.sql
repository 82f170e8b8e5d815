-- Outbound webhooks (approval-service README § Webhooks): tenants' subscriptions, one delivery
-- per (subscription, notice), and every attempt made to deliver it. All dispatcher state lives
-- here, so any number of instances can dispatch and a restart loses nothing.

CREATE TABLE webhook_subscription (
    id                         uuid        PRIMARY KEY,
    tenant_id                  text        NOT NULL,
    url                        text        NOT NULL,
    event_types                text[]      NOT NULL,
    description                text,
    enabled                    boolean     NOT NULL,
    -- Why the platform disabled it (e.g. the receiver answered 410 Gone); null when a person did.
    disabled_reason            text,
    -- The signing secret (whsec_...), AES-256-GCM sealed; associated data: tenant and id.
    secret_key_id              text        NOT NULL,
    secret_nonce               bytea       NOT NULL,
    secret_ciphertext          bytea       NOT NULL,
    -- The secret before the last rotation, still signing until previous_secret_expires_at.
    previous_secret_key_id     text,
    previous_secret_nonce      bytea,
    previous_secret_ciphertext bytea,
    previous_secret_expires_at timestamptz,
    created_by                 text        NOT NULL,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL
);

CREATE INDEX webhook_subscription_by_tenant ON webhook_subscription (tenant_id, created_at, id);

CREATE TABLE webhook_delivery (
    id              uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    subscription_id uuid        NOT NULL REFERENCES webhook_subscription (id) ON DELETE CASCADE,
    -- The notice id: the webhook-id header, the same on every attempt (receivers deduplicate on it).
    message_id      text        NOT NULL,
    event_type      text        NOT NULL,
    -- The exact bytes sent (and signed) on every attempt.
    body            text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'disabled')),
    -- Attempts claimed so far; an attempt's number is the value after its claim.
    attempts        integer     NOT NULL DEFAULT 0,
    -- The delivery fails for good once this many attempts failed (a redelivery raises it by one).
    attempt_limit   integer     NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    -- Set while a dispatcher holds the delivery; an expired claim (a crashed dispatcher) is free.
    claimed_until   timestamptz,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    UNIQUE (subscription_id, message_id)
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_log ON webhook_delivery (subscription_id, created_at DESC, id DESC);

CREATE TABLE webhook_delivery_attempt (
    delivery_id  uuid        NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    attempted_at timestamptz NOT NULL,
    -- The receiver's HTTP status, or null when none came back (then error says why).
    status_code  integer,
    error        text,
    latency_ms   bigint      NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
