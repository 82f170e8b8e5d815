-- Row-level security (service kit, db/kit/R__row_level_security.sql) protects every table with a
-- tenant_id column; webhook_delivery_attempt had none (its tenant was its delivery's). It gets one,
-- back-filled from the delivery, so the tenant_isolation policy covers the delivery log too.

ALTER TABLE webhook_delivery_attempt ADD COLUMN tenant_id text;

-- On a database that ran the kit's repeatable migration already, webhook_delivery has FORCE ROW
-- LEVEL SECURITY: the owner running this migration (not a superuser outside tests) would see none of
-- its rows, back-fill nothing and fail on NOT NULL. The owner is exempted for the back-fill only;
-- FORCE is put back in this same transaction.
DO $backfill$
DECLARE
    forced boolean;
BEGIN
    SELECT c.relforcerowsecurity INTO forced FROM pg_class c
     WHERE c.oid = 'webhook_delivery'::regclass;
    IF forced THEN
        ALTER TABLE webhook_delivery NO FORCE ROW LEVEL SECURITY;
    END IF;
    UPDATE webhook_delivery_attempt a SET tenant_id = d.tenant_id
      FROM webhook_delivery d
     WHERE d.id = a.delivery_id;
    IF forced THEN
        ALTER TABLE webhook_delivery FORCE ROW LEVEL SECURITY;
    END IF;
END
$backfill$;

ALTER TABLE webhook_delivery_attempt ALTER COLUMN tenant_id SET NOT NULL;
