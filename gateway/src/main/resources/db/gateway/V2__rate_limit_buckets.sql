-- Rate-limit buckets shared by every gateway instance (agentplane.gateway.rate-limit.store=postgres).
-- Layout is Bucket4j's PostgreSQL proxy manager's: serialized bucket state per key, and when the row
-- may be deleted (epoch millis).
CREATE TABLE rate_limit_bucket (
    id         TEXT PRIMARY KEY,
    state      BYTEA,
    expires_at BIGINT
);

CREATE INDEX rate_limit_bucket_expires_at ON rate_limit_bucket (expires_at);
