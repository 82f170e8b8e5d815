package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.TooManyRequestsException;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant quotas ({@link QuotaSettings}): queued runs, checked at intake, and running top-level
 * runs, checked by each claim.
 *
 * <p>The running quota is exact across instances: each claim counts under a per-tenant advisory
 * lock, taken without waiting ({@link #tryLockRunningQuota}); a claim that finds it held is tried
 * again a few milliseconds later. The queued count takes no lock, so intakes committing at the same
 * instant (at most the connection pool) may each count one below the quota. Decision: a first
 * version waited for the lock in both places; the waiting intakes and claims of a flooding tenant
 * then held database connections and worker slots, and stalled every other tenant (the
 * noisy-neighbour benchmark: the quiet tenant's runs waited 20 s for their first step).
 *
 * <p>A tenant found at its queued quota is remembered for {@code full-queue-remembered}, and its
 * requests meanwhile are refused before they take a connection ({@link #refuseIfKnownFull}): each
 * refusal otherwise inserted a run, counted up to a thousand rows and rolled back, and a flooding
 * tenant's refusals took the database time and the cores every other tenant's intake and steps
 * need.
 */
@Singleton
public class TenantQuotas {

  // The advisory lock namespace (first key of the two-key form) of the running quota's locks.
  private static final int RUNNING_QUOTA_LOCKS = 0x52554e4e;

  private final JdbcOperations jdbc;
  private final QuotaSettings settings;
  // Per tenant, until when (System.nanoTime) its queued quota is taken as full.
  private final Map<String, Long> fullUntil = new ConcurrentHashMap<>();

  TenantQuotas(JdbcOperations jdbc, QuotaSettings settings) {
    this.jdbc = jdbc;
    this.settings = settings;
  }

  /**
   * Refuses a request of {@code tenantId} when its queued runs were found at their quota less than
   * {@code full-queue-remembered} ago; nothing else is done.
   *
   * @throws TooManyRequestsException while the tenant is remembered as full
   */
  public void refuseIfKnownFull(String tenantId) {
    Long until = fullUntil.get(tenantId);
    if (until == null) {
      return;
    }
    if (System.nanoTime() - until >= 0) {
      fullUntil.remove(tenantId, until);
      return;
    }
    throw queuedQuotaReached(settings.queuedRunsOf(tenantId));
  }

  /**
   * In the transaction that has just inserted a queued run of {@code tenantId}: refuses it when the
   * tenant has more queued runs than its quota, counting this one (the transaction then rolls
   * back).
   *
   * @throws TooManyRequestsException over the quota
   */
  public void admitQueued(String tenantId) {
    int quota = settings.queuedRunsOf(tenantId);
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
      long remembered = settings.fullQueueRemembered().toNanos();
      if (remembered > 0) {
        fullUntil.put(tenantId, System.nanoTime() + remembered);
      }
      throw queuedQuotaReached(quota);
    }
  }

  private TooManyRequestsException queuedQuotaReached(int quota) {
    return new TooManyRequestsException(
        "queued-runs-quota",
        "The tenant already has "
            + quota
            + " runs waiting for a worker, its quota; retry once some have started",
        settings.retryAfter());
  }

  /** The running quota, 0 when off; the claim's own SQL compares against it. */
  public int runningQuota() {
    return Math.max(0, settings.runningRunsPerTenant());
  }

  /**
   * What a claim learns while taking its run's tenant's running-quota lock: whether another claim
   * of the tenant held it ({@code contended}: the claim should be tried again shortly), and, for a
   * top-level run, its tenant and whether it waits queued (so that a claim refusing it can tell the
   * quota held it back).
   */
  public record QuotaLock(boolean contended, String tenantId, boolean queuedTopLevel) {

    static final QuotaLock NOT_COUNTED = new QuotaLock(false, null, false);
  }

  /**
   * In a claim's transaction, before the claim's update: takes the run's tenant's running-quota
   * lock if it is free, so that the update's count of the tenant's running runs cannot miss a claim
   * committing beside it. Nothing to take for a child run, which the quota does not count, or when
   * the quota is off.
   */
  public QuotaLock tryLockRunningQuota(UUID runId) {
    if (runningQuota() == 0) {
      return QuotaLock.NOT_COUNTED;
    }
    return jdbc.prepareStatement(
        """
        SELECT pg_try_advisory_xact_lock(?, hashtext(tenant_id)), tenant_id, status = 'queued'
        FROM run WHERE id = ? AND parent_run_id IS NULL
        """,
        statement -> {
          statement.setInt(1, RUNNING_QUOTA_LOCKS);
          statement.setObject(2, runId);
          try (ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
              return QuotaLock.NOT_COUNTED;
            }
            return new QuotaLock(!rows.getBoolean(1), rows.getString(2), rows.getBoolean(3));
          }
        });
  }

  /**
   * The tenant's oldest queued top-level run, to be offered when one of its runs stops running:
   * with the running quota on, the runs the quota held back get no other offer before the sweeper.
   * In a scope of that tenant ({@code TenantScope}).
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
