package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.ProblemType;
import dev.agentplane.kit.problem.TooManyRequestsException;
import dev.agentplane.kit.security.TenantPrincipal;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Run requests of one principal, and of one tenant, being accepted on this instance at once: a cap
 * on each, checked before intake takes a database connection. A tenant flooding intake otherwise
 * queues dozens of requests for the instance's few connections, and every other tenant's intake,
 * claims and step commits wait behind them (the noisy-neighbour benchmark saw 100 waiting for 10
 * connections). The principal's cap is the smaller, so that one user's burst leaves room for the
 * colleagues of its tenant, as the gateway's principal bucket does.
 *
 * <p>A request beyond a cap waits its turn, first come first served, until its deadline ({@code
 * intake-patience}); then, or at once when {@code intakes-waiting-per-tenant} requests of the key
 * already wait: 429 {@code rate-limited} with {@code Retry-After}, nothing done. Decision: the
 * first version refused at once, and a client sending its next request the moment the last was
 * answered (as the benchmark's flood does, ignoring {@code Retry-After}) made 500 requests a second
 * of which 95 % were refusals, taking the cores every other tenant's runs need; a waiting request
 * costs a parked virtual thread.
 */
@Singleton
public class IntakeAdmission {

  /** An admitted request; closing it lets the next one in. */
  public interface Admitted extends AutoCloseable {
    @Override
    void close();
  }

  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final QuotaSettings settings;
  private final Slots byPrincipal = new Slots();
  private final Slots byTenant = new Slots();

  IntakeAdmission(QuotaSettings settings) {
    this.settings = settings;
  }

  /**
   * Admits one run request of {@code caller}, waiting until {@code deadlineNanos} ({@link
   * System#nanoTime}) for its turn.
   *
   * @throws TooManyRequestsException when the caller or its tenant still has its cap of requests in
   *     flight here at the deadline, or too many waiting
   */
  public Admitted admit(TenantPrincipal caller, long deadlineNanos) {
    String principal = principalKey(caller);
    int mostWaiting = settings.intakesWaitingPerTenant();
    if (!byPrincipal.enter(
        principal, settings.intakesInFlightPerPrincipal(), mostWaiting, deadlineNanos)) {
      throw refused("this caller");
    }
    if (!byTenant.enter(
        caller.tenantId(), settings.intakesInFlightPerTenant(), mostWaiting, deadlineNanos)) {
      byPrincipal.leave(principal);
      throw refused("this tenant");
    }
    return () -> {
      byTenant.leave(caller.tenantId());
      byPrincipal.leave(principal);
    };
  }

  /** Requests of {@code caller} waiting for their turn at the principal's cap here. */
  int waitingOf(TenantPrincipal caller) {
    return byPrincipal.waiting(principalKey(caller));
  }

  private static String principalKey(TenantPrincipal caller) {
    return caller.tenantId() + "\n" + caller.principalType() + "\n" + caller.subject();
  }

  private static TooManyRequestsException refused(String whose) {
    return new TooManyRequestsException(
        ProblemType.RATE_LIMITED.slug(),
        "Too many run requests of " + whose + " are being accepted right now; retry shortly",
        RETRY_AFTER);
  }

  /**
   * Per key, at most a cap of holders at once, the others waiting in a fair line. A key's line is
   * dropped once nobody holds or waits in it, so that one-off principals leave nothing behind.
   */
  private static final class Slots {

    private static final class Line {
      final Semaphore slots;
      // Holders and waiters; changed only inside the map's compute for this key.
      int users;

      Line(int cap) {
        slots = new Semaphore(cap, true);
      }
    }

    private final ConcurrentHashMap<String, Line> lines = new ConcurrentHashMap<>();

    boolean enter(String key, int cap, int mostWaiting, long deadlineNanos) {
      if (cap <= 0) {
        return true;
      }
      Line line =
          lines.compute(
              key,
              (k, existing) -> {
                Line used = existing == null ? new Line(cap) : existing;
                used.users++;
                return used;
              });
      boolean entered = false;
      try {
        // The timed form honours the line's order, where tryAcquire() would barge ahead of it.
        entered = line.slots.tryAcquire(0, TimeUnit.NANOSECONDS);
        if (!entered && line.slots.getQueueLength() < mostWaiting) {
          long left = deadlineNanos - System.nanoTime();
          entered = left > 0 && line.slots.tryAcquire(left, TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (!entered) {
          unuse(key);
        }
      }
      return entered;
    }

    int waiting(String key) {
      Line line = lines.get(key);
      return line == null ? 0 : line.slots.getQueueLength();
    }

    void leave(String key) {
      Line line = lines.get(key);
      if (line == null) {
        return;
      }
      line.slots.release();
      unuse(key);
    }

    private void unuse(String key) {
      lines.computeIfPresent(key, (k, line) -> --line.users == 0 ? null : line);
    }
  }
}
