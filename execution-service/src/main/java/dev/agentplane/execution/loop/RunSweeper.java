package dev.agentplane.execution.loop;

import dev.agentplane.execution.run.TenantQuotas;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Finds runs nobody is working on and offers them to this instance's workers: runs whose lease
 * lapsed (their worker died or stalled) and queued runs nobody claimed (a lost dispatch message, a
 * full backlog). Every instance sweeps; the claim decides who gets each run. It looks across
 * tenants, through the {@code jobs} datasource.
 *
 * <p>A tenant at its running quota has its queued top-level runs left out: none could be claimed,
 * and each stopping run of the tenant hands its place on already ({@link RunWorkers}). Decision:
 * the noisy-neighbour benchmark's flooding tenant had a thousand runs queued longer than {@code
 * unclaimed-after}, and every sweep offered two hundred of them, two hundred claim transactions
 * that each found the quota full, in a burst every few seconds on the cores the other tenants' runs
 * were using.
 */
@Singleton
class RunSweeper {

  private final JdbcOperations jdbc;
  private final RunWorkers workers;
  private final WorkerSettings settings;
  private final TenantQuotas quotas;

  RunSweeper(
      @Named(JobsDataSource.NAME) JdbcOperations jdbc,
      RunWorkers workers,
      WorkerSettings settings,
      TenantQuotas quotas) {
    this.jdbc = jdbc;
    this.workers = workers;
    this.settings = settings;
    this.quotas = quotas;
  }

  @Scheduled(
      fixedDelay = "${agentplane.execution.workers.sweep-every:5s}",
      initialDelay = "${agentplane.execution.workers.sweep-every:5s}")
  void sweep() {
    abandoned().forEach(run -> workers.offer(run.tenantId(), run.runId()));
  }

  /** A run nobody is working on, and its tenant, whose scope its claim takes. */
  record Abandoned(String tenantId, UUID runId) {}

  /**
   * Runs with a lapsed lease, and runs unclaimed for too long that a claim could start (not the
   * top-level runs of a tenant at its running quota), oldest first.
   */
  @ReadOnly(transactionManager = JobsDataSource.NAME)
  List<Abandoned> abandoned() {
    return jdbc.prepareStatement(
        """
        (SELECT tenant_id, id FROM run WHERE status = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT ?)
        UNION ALL
        (SELECT tenant_id, id FROM run WHERE status = 'queued'
            AND created_at < now() - make_interval(secs => ?)
            AND (parent_run_id IS NOT NULL OR tenant_id NOT IN (
                SELECT tenant_id FROM run WHERE status = 'running' AND parent_run_id IS NULL
                GROUP BY tenant_id HAVING count(*) >= ?))
            ORDER BY created_at LIMIT ?)
        """,
        statement -> {
          int runningQuota = quotas.runningQuota();
          statement.setInt(1, settings.sweepBatch());
          statement.setDouble(2, settings.unclaimedAfter().toMillis() / 1000.0);
          // No quota: no tenant is ever full.
          statement.setInt(3, runningQuota == 0 ? Integer.MAX_VALUE : runningQuota);
          statement.setInt(4, settings.sweepBatch());
          List<Abandoned> runs = new ArrayList<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              runs.add(new Abandoned(rows.getString(1), rows.getObject(2, UUID.class)));
            }
          }
          return runs;
        });
  }
}
