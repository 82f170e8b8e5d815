-- Per-tenant quotas count a tenant's queued runs at intake and its running top-level runs at each
-- claim, and hand a tenant's oldest queued run on when one of its runs stops running: each of those
-- reads only the tenant's rows in that status.
CREATE INDEX run_queued_by_tenant ON run (tenant_id, created_at) WHERE status = 'queued';
CREATE INDEX run_running_by_tenant ON run (tenant_id)
    WHERE status = 'running' AND parent_run_id IS NULL;
