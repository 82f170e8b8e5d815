-- Service kit baseline, applied to every service's own schema before its feature migrations.

-- Transactional outbox: a service writes its state change and the event announcing it in one
-- transaction; OutboxRelay publishes rows to Kafka in id order and marks them sent.
CREATE TABLE outbox_event (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        UUID        NOT NULL UNIQUE,
    tenant_id       TEXT        NOT NULL,
    topic           TEXT        NOT NULL,
    message_key     TEXT        NOT NULL,
    payload         BYTEA       NOT NULL,
    content_type    TEXT        NOT NULL,
    request_id      TEXT,
    traceparent     TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at    TIMESTAMPTZ,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT
);

-- The relay only ever scans what is still to send.
CREATE INDEX outbox_event_pending ON outbox_event (id) WHERE published_at IS NULL;
CREATE INDEX outbox_event_published_at ON outbox_event (published_at) WHERE published_at IS NOT NULL;

-- Idempotent consumer: an event's effect and its id are committed together; the primary key
-- turns a redelivery into a no-op.
CREATE TABLE processed_event (
    consumer     TEXT        NOT NULL,
    event_id     TEXT        NOT NULL,
    tenant_id    TEXT,
    topic        TEXT        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
