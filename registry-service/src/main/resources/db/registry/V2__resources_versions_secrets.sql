-- Agents and tools are both "resources": a named, per-tenant thing with numbered versions.
CREATE TABLE resource (
    id          UUID        PRIMARY KEY,
    tenant_id   TEXT        NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('agent', 'tool')),
    name        TEXT        NOT NULL,
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    -- Set when the whole resource was archived; its versions are all archived with it.
    archived_at TIMESTAMPTZ,
    UNIQUE (tenant_id, kind, name)
);

CREATE TABLE resource_version (
    resource_id     UUID        NOT NULL REFERENCES resource (id),
    version         INTEGER     NOT NULL CHECK (version >= 1),
    tenant_id       TEXT        NOT NULL,
    status          TEXT        NOT NULL
        CHECK (status IN ('draft', 'pending_approval', 'active', 'archived')),
    spec            JSONB       NOT NULL,
    spec_hash       TEXT        NOT NULL,
    -- Bumped on every change of the row; the version's ETag is built from it.
    revision        INTEGER     NOT NULL DEFAULT 1,
    cloned_from     INTEGER,
    created_by      TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_by      TEXT        NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    submitted_by    TEXT,
    submitted_at    TIMESTAMPTZ,
    promoted_by     TEXT,
    promoted_at     TIMESTAMPTZ,
    archived_by     TEXT,
    archived_at     TIMESTAMPTZ,
    -- The approval request a pending version waits on, and the last review's outcome.
    review_approval_id UUID UNIQUE,
    review_reason      TEXT,
    PRIMARY KEY (resource_id, version)
);

-- The promise "at most one active version per agent/tool", kept by the database itself.
CREATE UNIQUE INDEX resource_version_one_active
    ON resource_version (resource_id) WHERE status = 'active';

CREATE INDEX resource_tenant_kind_name ON resource (tenant_id, kind, name);

-- Tenant secrets, AES-GCM encrypted; the plaintext never touches the database.
CREATE TABLE secret (
    tenant_id   TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    key_id      TEXT        NOT NULL,
    nonce       BYTEA       NOT NULL,
    ciphertext  BYTEA       NOT NULL,
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
