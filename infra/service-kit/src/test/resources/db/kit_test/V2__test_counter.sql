-- A stand-in for a service's state, changed by the idempotent consumer tests.
CREATE TABLE test_counter (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
