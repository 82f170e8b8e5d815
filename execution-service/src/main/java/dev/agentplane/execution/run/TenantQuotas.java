package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.TooManyRequestsException;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p>A tenant found at its queued quota is remembered as full, and its requests meanwhile wait for
 * room before they take a connection ({@link #awaitRoom}): each refusal otherwise inserted a run,
 * counted up to a thousand rows and rolled back, and a flooding tenant's refusals took the database
 * time and the cores every other tenant's intake and steps need. One waiting request counts again
 * when a run of the tenant starts on this instance ({@link #roomMade}) or when {@code
 * full-queue-remembered} has passed (a run started by another instance), and each request admitted
 * so lets the next one count; the others wait until their patience runs out.
 */
@Singleton
public class TenantQuotas {

  // The advisory lock namespace (first key of the two-key form) of the running quota's locks.
  private static final int RUNNING_QUOTA_LOCKS = 0x52554e4e;

  // A tenant at its intake rate has its next turn within a second (the rate is at least 1).
  private static final Duration RATE_RETRY_AFTER = Duration.ofSeconds(1);

  private final JdbcOperations jdbc;
  private final QuotaSettings settings;
  private final Map<String, KnownFull> knownFull = new ConcurrentHashMap<>();
  private final TenantRates intakeRates;

  TenantQuotas(JdbcOperations jdbc, QuotaSettings settings) {
    this.jdbc = jdbc;
    this.settings = settings;
    this.intakeRates = new TenantRates(settings::runsPerSecondOf);
  }

  /**
   * Takes a turn at {@code tenantId}'s rate of accepted runs ({@code runs-per-second-per-tenant}),
   * waiting until {@code deadlineNanos} ({@link System#nanoTime}) at most.
   *
   * <p>Decision: the queued quota bounds how many runs a tenant has waiting, not how fast it fills
   * them; a tenant filling its thousand places as fast as the instance accepts runs took both cores
   * of the benchmark's machine for the half minute that took, and another tenant's runs started 5–7
   * × slower than alone in that time (scenario 9 by 10 s of the flood). Waiting rather than a 429
   * at once, for the same reason as intake's other waits: a client that ignores {@code Retry-After}
   * would otherwise spend the cores on refusals.
   *
   * <p>A request whose turn would come after its deadline waits until the deadline all the same,
   * then gets its 429: refused at once, a client sending its next request the moment the last is
   * answered made ninety requests a second at a rate of ten (the benchmark's flood), nearly all
   * refusals, on the cores the other tenants' runs need.
   *
   * @throws TooManyRequestsException when the tenant's turn comes after the deadline; no turn is
   *     taken
   */
  public void awaitIntakeTurn(String tenantId, long deadlineNanos) {
    if (!intakeRates.awaitTurn(tenantId, Duration.ofNanos(deadlineNanos - System.nanoTime()))) {
      waitUntil(deadlineNanos);
      throw new TooManyRequestsException(
          "runs-per-second",
          "The tenant is at its rate of "
              + intakeRates.perSecondOf(tenantId)
              + " runs accepted a second; retry shortly",
          RATE_RETRY_AFTER);
    }
  }

  /**
   * Returns when a request of {@code tenantId} may count the tenant's queued runs: at once unless
   * the tenant was found at its queued quota; else when it is this request's turn to count again,
   * waiting until {@code deadlineNanos} ({@link System#nanoTime}) at most.
   *
   * @throws TooManyRequestsException when the tenant is still remembered as full at the deadline
   */
  public void awaitRoom(String tenantId, long deadlineNanos) {
    KnownFull state = knownFull.get(tenantId);
    if (state != null && !state.awaitTurnToCount(deadlineNanos)) {
      throw queuedQuotaReached(settings.queuedRunsOf(tenantId));
    }
  }

  private static void waitUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0
        && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * In the transaction that has just inserted a queued run of {@code tenantId}: whether the tenant
   * has at most its quota of queued runs, counting this one. When it has more, the caller rolls the
   * transaction back, and the tenant is remembered as full.
   */
  public boolean admitQueued(String tenantId) {
    int quota = settings.queuedRunsOf(tenantId);
    if (quota <= 0) {
      return true;
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
    // At the quota with this run counted, the next request would find it full: remembered too.
    boolean full = queued >= quota;
    long remembered = settings.fullQueueRemembered().toNanos();
    if (remembered > 0 && (full || knownFull.containsKey(tenantId))) {
      knownFull.computeIfAbsent(tenantId, tenant -> new KnownFull(remembered)).found(full);
    }
    return queued <= quota;
  }

  /**
   * After one of {@code tenantId}'s queued runs started on this instance: if the tenant was
   * remembered as full, the next waiting request counts again at once.
   */
  public void roomMade(String tenantId) {
    KnownFull state = knownFull.get(tenantId);
    if (state != null) {
      state.countAgainNow();
    }
  }

  /** Requests of {@code tenantId} waiting here for room in its queue. */
  public int waitingForRoom(String tenantId) {
    KnownFull state = knownFull.get(tenantId);
    return state == null ? 0 : state.waiting();
  }

  /** Whether a tenant found at its queued quota is remembered, so that a request can wait. */
  public boolean remembersFullQueues() {
    return settings.fullQueueRemembered().isPositive();
  }

  /** The 429 of a request that found, or waited out, its tenant's queued quota. */
  public TooManyRequestsException queuedQuotaReached(String tenantId) {
    return queuedQuotaReached(settings.queuedRunsOf(tenantId));
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

  /**
   * A tenant's queued quota as last found by this instance: whether it was full, and when a waiting
   * request is next to count again. Only that one request counts; the others stay parked until it
   * finds room to spare, or a run of the tenant starts here, or the memory's length has passed.
   */
  private static final class KnownFull {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition turnToCount = lock.newCondition();
    private final long rememberedNanos;
    private boolean full;
    // While full: the System.nanoTime from which the next request may count.
    private long countAgainAt;

    KnownFull(long rememberedNanos) {
      this.rememberedNanos = rememberedNanos;
    }

    void found(boolean full) {
      lock.lock();
      try {
        this.full = full;
        if (full) {
          countAgainAt = System.nanoTime() + rememberedNanos;
        } else {
          turnToCount.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }

    int waiting() {
      lock.lock();
      try {
        return lock.getWaitQueueLength(turnToCount);
      } finally {
        lock.unlock();
      }
    }

    void countAgainNow() {
      lock.lock();
      try {
        if (full) {
          countAgainAt = System.nanoTime();
          turnToCount.signal();
        }
      } finally {
        lock.unlock();
      }
    }

    /**
     * True when the caller may count: the tenant is not known full, or it is the caller's turn (the
     * next turn then comes a memory's length later, unless the caller's count brings it sooner).
     */
    boolean awaitTurnToCount(long deadlineNanos) {
      lock.lock();
      try {
        while (full) {
          long now = System.nanoTime();
          if (now - countAgainAt >= 0) {
            countAgainAt = now + rememberedNanos;
            return true;
          }
          long left = deadlineNanos - now;
          if (left <= 0) {
            return false;
          }
          turnToCount.await(Math.min(left, countAgainAt - now), TimeUnit.NANOSECONDS);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        lock.unlock();
      }
    }
  }
}
