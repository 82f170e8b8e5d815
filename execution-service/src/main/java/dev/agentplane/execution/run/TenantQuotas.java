package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.TooManyRequestsException;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.UUID;

/**
 * Per-tenant quotas ({@link QuotaSettings}): queued runs, checked at intake, and running top-level
 * runs, checked by each claim. The counts take no lock, so they are soft by the tenant's requests
 * in flight at the same instant: intakes committing together (at most the connection pool) may each
 * count one below the queued quota, claims committing together may each count one below the running
 * quota. Decision: a first version serialized each tenant's counts on an advisory lock and was
 * exact, but the waiting intakes and claims held connections and worker slots, so a flooding
 * tenant's own queue stalled everyone else's intake and runs (the noisy-neighbour benchmark: the
 * quiet tenant's runs waited 20 s for their first step).
 */
@Singleton
public class TenantQuotas {

  private final JdbcOperations jdbc;
  private final QuotaSettings settings;

  TenantQuotas(JdbcOperations jdbc, QuotaSettings settings) {
    this.jdbc = jdbc;
    this.settings = settings;
  }

  /**
   * In the transaction that has just inserted a queued run of {@code tenantId}: refuses it when the
   * tenant has more queued runs than its quota, counting this one (the transaction then rolls
   * back).
   *
   * @throws TooManyRequestsException over the quota
   */
  public void admitQueued(String tenantId) {
    int quota = settings.queuedRunsPerTenant();
    if (quota <= 0) {
      return;
    }
    long queued =
        jdbc.prepareStatement(
            """
            SELECT count(*) FROM (SELECT 1 FROM run WHERE tenant_id = ? AND status = 'queued'
                LIMIT ?) AS capped
            """,
            statement -> {
              statement.setString(1, tenantId);
              statement.setInt(2, quota + 1);
              try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
              }
            });
    if (queued > quota) {
      throw new TooManyRequestsException(
          "queued-runs-quota",
          "The tenant already has "
              + quota
              + " runs waiting for a worker, its quota; retry once some have started",
          settings.retryAfter());
    }
  }

  /** The running quota, 0 when off; the claim's own SQL compares against it. */
  public int runningQuota() {
    return Math.max(0, settings.runningRunsPerTenant());
  }

  /**
   * The tenant's oldest queued top-level run, to be offered when one of its runs stops running:
   * with the running quota on, the runs the quota held back get no other offer before the sweeper.
   */
  @ReadOnly
  public Optional<UUID> nextQueued(String tenantId) {
    if (runningQuota() == 0) {
      return Optional.empty();
    }
    return jdbc.prepareStatement(
        """
        SELECT id FROM run WHERE tenant_id = ? AND status = 'queued' AND parent_run_id IS NULL
        ORDER BY created_at LIMIT 1
        """,
        statement -> {
          statement.setString(1, tenantId);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(rows.getObject(1, UUID.class)) : Optional.empty();
          }
        });
  }
}
