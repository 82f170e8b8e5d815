package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.ProblemType;
import dev.agentplane.kit.problem.TooManyRequestsException;
import dev.agentplane.kit.security.TenantPrincipal;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Run requests of one principal, and of one tenant, being accepted on this instance at once: a cap
 * on each, checked before intake takes a database connection. A tenant flooding intake otherwise
 * queues dozens of requests for the instance's few connections, and every other tenant's intake,
 * claims and step commits wait behind them (the noisy-neighbour benchmark saw 100 waiting for 10
 * connections). The principal's cap is the smaller, so that one user's burst leaves room for the
 * colleagues of its tenant, as the gateway's principal bucket does. Beyond either: 429 {@code
 * rate-limited} with {@code Retry-After}, nothing done.
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
  private final Map<String, Integer> byPrincipal = new ConcurrentHashMap<>();
  private final Map<String, Integer> byTenant = new ConcurrentHashMap<>();

  IntakeAdmission(QuotaSettings settings) {
    this.settings = settings;
  }

  /**
   * Admits one run request of {@code caller}.
   *
   * @throws TooManyRequestsException when the caller or its tenant has its cap of requests in
   *     flight here
   */
  public Admitted admit(TenantPrincipal caller) {
    String principal = caller.tenantId() + "\n" + caller.principalType() + "\n" + caller.subject();
    if (!enter(byPrincipal, principal, settings.intakesInFlightPerPrincipal())) {
      throw refused("this caller");
    }
    if (!enter(byTenant, caller.tenantId(), settings.intakesInFlightPerTenant())) {
      leave(byPrincipal, principal);
      throw refused("this tenant");
    }
    return () -> {
      leave(byTenant, caller.tenantId());
      leave(byPrincipal, principal);
    };
  }

  private static boolean enter(Map<String, Integer> inFlight, String key, int cap) {
    if (cap <= 0) {
      return true;
    }
    boolean[] entered = {false};
    inFlight.compute(
        key,
        (k, count) -> {
          int now = count == null ? 0 : count;
          entered[0] = now < cap;
          return entered[0] ? now + 1 : count;
        });
    return entered[0];
  }

  private static void leave(Map<String, Integer> inFlight, String key) {
    inFlight.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
  }

  private static TooManyRequestsException refused(String whose) {
    return new TooManyRequestsException(
        ProblemType.RATE_LIMITED.slug(),
        "Too many run requests of " + whose + " are being accepted right now; retry shortly",
        RETRY_AFTER);
  }
}
