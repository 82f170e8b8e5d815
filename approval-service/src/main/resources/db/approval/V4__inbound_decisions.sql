-- Inbound decisions: decisions that arrive without a JWT, signed with the tenant's secret
-- (Standard Webhooks) or carried by a one-time action link made with it.

-- One decision-callback secret per tenant, sealed (AES-GCM, tenant bound in as associated data).
-- After a rotation the previous secret still verifies until previous_valid_until, so the tenant's
-- integration can switch over without dropping decisions.
CREATE TABLE inbound_secret (
  tenant_id            text PRIMARY KEY,
  key_id               text        NOT NULL,
  nonce                bytea       NOT NULL,
  ciphertext           bytea       NOT NULL,
  previous_key_id      text,
  previous_nonce       bytea,
  previous_ciphertext  bytea,
  previous_valid_until timestamptz,
  created_at           timestamptz NOT NULL,
  rotated_at           timestamptz NOT NULL
);

-- Every inbound message that had its effect: a webhook-id, or an action link's id. Written in the
-- decision's transaction, so a replay finds it and has no second effect, and a decision that
-- failed leaves no row (the sender may retry). Rows are kept until the message could no longer
-- verify anyway (timestamp tolerance, link expiry), then swept.
CREATE TABLE inbound_message (
  tenant_id   text        NOT NULL,
  message_id  text        NOT NULL,
  approval_id uuid        NOT NULL,
  channel     text        NOT NULL,
  received_at timestamptz NOT NULL,
  keep_until  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX inbound_message_keep_until ON inbound_message (keep_until);
