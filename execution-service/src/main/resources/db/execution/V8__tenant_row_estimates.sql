-- Every statement of a tenant's transaction carries the row-level security policy's tenant
-- condition, and the planner's estimate of a tenant's runs decides how it reaches a run by id.
-- Statistics taken before a tenant floods (ANALYZE saw a few large tenants, its most common
-- values) estimated the newcomer at one row, and a group commit then joined its runs by scanning
-- the tenant's range of run_by_tenant instead of looking each id up in the primary key: a tenant
-- with thousands of runs paid that scan on every step (3 ms instead of 0.2 per commit in the
-- noisy-neighbour benchmark, the other tenants' steps of the same transactions waiting behind it).
-- The policy now reads the tenant in a sub-select the planner cannot see into (the kit's
-- R__row_level_security.sql), which leaves the column's distinct count as the estimate; fixed here
-- as a share of the rows, that is 1 % of the table for any tenant, however the tenants are spread.
-- ANALYZE (autovacuum's too) applies it from now on.
ALTER TABLE run ALTER COLUMN tenant_id SET (n_distinct = -0.01);
ANALYZE run;
