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
 * runs, checked by each claim. Both are exact across instances: the check takes a
 * transaction-scoped advisory lock on the tenant, so two intakes (or two claims) of one tenant
 * count one after the other, each seeing what the other committed, instead of both counting one
 * below the quota.
 */
@Singleton
public class TenantQuotas {

  // Advisory lock namespaces (the first key of the two-key form), one per quota.
  private static final int QUEUED_LOCKS = 0x51554555;
  private static final int RUNNING_LOCKS = 0x52554e4e;

  private final JdbcOperations jdbc;
  private final QuotaSettings settings;

  TenantQuotas(JdbcOperations jdbc, QuotaSettings settings) {
    this.jdbc = jdbc;
    this.settings = settings;
  }

  /**
   * In the transaction that has just inserted a queued run of {@code tenantId}: refuses it when the
   * tenant now has more queued runs than its quota (the transaction then rolls back).
   *
   * @throws TooManyRequestsException over the quota
   */
  public void admitQueued(String tenantId) {
    int quota = settings.queuedRunsPerTenant();
    if (quota <= 0) {
      return;
    }
    lock(QUEUED_LOCKS, tenantId);
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
   * In a claim's transaction, before the claim's update: waits for other claims of the run's tenant
   * to end, so that the update's count of the tenant's running runs is current.
   */
  public void serializeClaimsOfTenantOf(UUID runId) {
    if (runningQuota() == 0) {
      return;
    }
    jdbc.prepareStatement(
        "SELECT pg_advisory_xact_lock(?, hashtext(tenant_id)) FROM run WHERE id = ?",
        statement -> {
          statement.setInt(1, RUNNING_LOCKS);
          statement.setObject(2, runId);
          statement.executeQuery().close();
          return null;
        });
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

  private void lock(int namespace, String tenantId) {
    jdbc.prepareStatement(
        "SELECT pg_advisory_xact_lock(?, hashtext(?))",
        statement -> {
          statement.setInt(1, namespace);
          statement.setString(2, tenantId);
          statement.executeQuery().close();
          return null;
        });
  }
}
