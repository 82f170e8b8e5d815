-- Row-level security for the service schema being migrated (current_schema()). Flyway applies a
-- repeatable migration again only when its text changes; this one changes at every start
-- (${flyway:timestamp}), so tables that later versioned migrations add are covered at once. It is
-- idempotent and takes a table lock only to change something.
--
-- Every table with a tenant_id column gets ENABLE and FORCE ROW LEVEL SECURITY and the policy
-- tenant_isolation, which shows and accepts only rows whose tenant_id equals the transaction's
-- app.tenant_id (set with SET LOCAL by the service, from the authenticated principal or the event).
-- The policy reads the setting in a sub-select, evaluated once per statement, which the planner
-- cannot see into: it then estimates a tenant's rows from the column's distinct count, not from
-- the tenant's entry in the statistics. A tenant that grew since the last ANALYZE (a flood of runs)
-- was otherwise estimated at one row, and lookups by id in its transactions scanned the tenant's
-- whole index range instead of the primary key.
-- The policy applies to every role, the owner included; only a superuser or a BYPASSRLS role is
-- exempt, and the services' roles are neither.
--
-- The app role (${approle}): the services' login. Reads and writes every table of the schema except Flyway's
--   history, within the tenant policies.
-- The jobs role (${jobsrole}): the login of background jobs that work across tenants (outbox relay, sweepers,
--   expiry). Granted only the tables listed in jobs_tables, where the policy background_jobs
--   opens every tenant's rows to it.

DO $roles$
DECLARE
    login record;
BEGIN
    FOR login IN
        SELECT * FROM (VALUES ('${approle}', '${apppassword}'), ('${jobsrole}', '${jobspassword}'))
            AS l(name, password)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login.name) THEN
            BEGIN
                EXECUTE format(
                    'CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE',
                    login.name);
                IF login.password <> '' THEN
                    EXECUTE format('ALTER ROLE %I PASSWORD %L', login.name, login.password);
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- another service created it a moment ago
            END;
        END IF;
    END LOOP;
END
$roles$;

DO $policies$
DECLARE
    schema_name text := current_schema();
    jobs_tables text[] := string_to_array(replace('${jobstables}', ' ', ''), ',');
    tenant_only text := ' USING (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))'
        ' WITH CHECK (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))';
    item record;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I, %I', schema_name, '${approle}', '${jobsrole}');
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', schema_name, '${jobsrole}');
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I, %I',
        schema_name, '${approle}', '${jobsrole}');

    FOR item IN
        SELECT c.relname AS table_name, c.relrowsecurity AS enabled,
               c.relforcerowsecurity AS forced,
               EXISTS (SELECT FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                          AND NOT a.attisdropped) AS tenant_owned,
               EXISTS (SELECT FROM pg_policies p
                        WHERE p.schemaname = schema_name AND p.tablename = c.relname
                          AND p.policyname = 'tenant_isolation') AS isolated,
               EXISTS (SELECT FROM pg_policies p
                        WHERE p.schemaname = schema_name AND p.tablename = c.relname
                          AND p.policyname = 'tenant_isolation'
                          AND p.qual LIKE '%SELECT current_setting%'
                          AND p.with_check LIKE '%SELECT current_setting%') AS read_per_statement,
               EXISTS (SELECT FROM pg_policies p
                        WHERE p.schemaname = schema_name AND p.tablename = c.relname
                          AND p.policyname = 'background_jobs') AS open_to_jobs
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = schema_name AND c.relkind IN ('r', 'p')
           AND c.relname <> 'flyway_schema_history'
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I',
            item.table_name, '${approle}');
        IF item.tenant_owned AND NOT item.enabled THEN
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', item.table_name);
        END IF;
        IF item.tenant_owned AND NOT item.forced THEN
            EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', item.table_name);
        END IF;
        IF item.tenant_owned AND NOT item.isolated THEN
            EXECUTE format('CREATE POLICY tenant_isolation ON %I', item.table_name)
                || tenant_only;
        ELSIF item.tenant_owned AND NOT item.read_per_statement THEN
            EXECUTE format('ALTER POLICY tenant_isolation ON %I', item.table_name) || tenant_only;
        END IF;
        IF item.table_name = ANY (jobs_tables) THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I',
                item.table_name, '${jobsrole}');
            IF item.tenant_owned AND NOT item.open_to_jobs THEN
                EXECUTE format(
                    'CREATE POLICY background_jobs ON %I TO %I USING (true) WITH CHECK (true)',
                    item.table_name, '${jobsrole}');
            END IF;
        ELSIF item.open_to_jobs THEN
            EXECUTE format('DROP POLICY background_jobs ON %I', item.table_name);
        END IF;
    END LOOP;
END
$policies$;
