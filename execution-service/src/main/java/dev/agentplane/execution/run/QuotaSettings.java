package dev.agentplane.execution.run;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;
import java.util.Map;

/**
 * Per-tenant quotas ({@code agentplane.execution.quotas.*}), so that one tenant's burst cannot take
 * every worker or fill the queue ahead of everyone else. 0 turns a quota off.
 *
 * @param queuedRunsPerTenant runs of a tenant waiting for a worker at most; an HTTP request beyond
 *     it waits for room up to {@code intakePatience}, then gets 429 with {@code Retry-After} (a
 *     Kafka run request beyond it is dead-lettered with the reason)
 * @param runningRunsPerTenant top-level runs of a tenant executing at once, across instances; more
 *     wait queued and start as the tenant's running runs stop. Child runs (agent-typed tools) are
 *     not counted: their parent already is, and counting them could starve a parent of its child
 * @param retryAfter the {@code Retry-After} a 429 suggests
 * @param intakesInFlightPerPrincipal run requests of one principal being accepted at once on an
 *     instance ({@link IntakeAdmission}); beyond, a request waits its turn
 * @param intakesInFlightPerTenant the same for a tenant's principals together
 * @param fullQueueRemembered how long intake remembers that a tenant's queued runs reached their
 *     quota: the tenant's next requests wait for room without a database transaction each, and one
 *     of them counts again when a run of the tenant starts on this instance, or once this long has
 *     passed (a run starting on another instance is seen then); 0 turns it off
 * @param intakePatience how long an HTTP run request waits for its turn at the in-flight caps and
 *     for room in its tenant's queue before its 429 (a request's {@code Prefer: wait=N} shortens
 *     it); Kafka run requests and agent-typed tools never wait
 * @param intakesWaitingPerTenant requests of one principal, or of one tenant, waiting for their
 *     turn at most; beyond: 429 at once
 * @param queuedRunsOf per-tenant overrides of {@code queuedRunsPerTenant}, by tenant id (a tenant
 *     on a larger tier, or one that parks thousands of runs for approval on purpose)
 * @param stepsPerSecondPerTenant a tenant's steps (model and tool calls) per second on an instance
 *     at most; a run beyond it waits before its next step. 100 leaves half of a two-core instance's
 *     capacity (about 200 steps a second with the built-in model) to the other tenants; size it to
 *     the instance's cores
 * @param stepsPerSecondOf per-tenant overrides of {@code stepsPerSecondPerTenant}, by tenant id
 * @param runsPerSecondPerTenant runs of a tenant accepted per second over HTTP on an instance at
 *     most; a request beyond it waits for its turn up to its patience, then gets 429 {@code
 *     runs-per-second} (Kafka run requests are taken one at a time by their consumer and bounded by
 *     the queued quota; child runs are their parent's steps)
 * @param runsPerSecondOf per-tenant overrides of {@code runsPerSecondPerTenant}, by tenant id
 */
@ConfigurationProperties("agentplane.execution.quotas")
public record QuotaSettings(
    @Bindable(defaultValue = "1000") int queuedRunsPerTenant,
    @Bindable(defaultValue = "32") int runningRunsPerTenant,
    @Bindable(defaultValue = "5s") Duration retryAfter,
    @Bindable(defaultValue = "16") int intakesInFlightPerPrincipal,
    @Bindable(defaultValue = "24") int intakesInFlightPerTenant,
    @Bindable(defaultValue = "500ms") Duration fullQueueRemembered,
    @Bindable(defaultValue = "2s") Duration intakePatience,
    @Bindable(defaultValue = "256") int intakesWaitingPerTenant,
    Map<String, Integer> queuedRunsOf,
    @Bindable(defaultValue = "100") int stepsPerSecondPerTenant,
    Map<String, Integer> stepsPerSecondOf,
    @Bindable(defaultValue = "20") int runsPerSecondPerTenant,
    Map<String, Integer> runsPerSecondOf) {

  public QuotaSettings {
    queuedRunsOf = queuedRunsOf == null ? Map.of() : Map.copyOf(queuedRunsOf);
    stepsPerSecondOf = stepsPerSecondOf == null ? Map.of() : Map.copyOf(stepsPerSecondOf);
    runsPerSecondOf = runsPerSecondOf == null ? Map.of() : Map.copyOf(runsPerSecondOf);
  }

  /** The intake rate of {@code tenantId}: its override, or the default; 0 when off. */
  public int runsPerSecondOf(String tenantId) {
    return runsPerSecondOf.getOrDefault(tenantId, runsPerSecondPerTenant);
  }

  /** The step rate of {@code tenantId}: its override, or the default; 0 when off. */
  public int stepsPerSecondOf(String tenantId) {
    return stepsPerSecondOf.getOrDefault(tenantId, stepsPerSecondPerTenant);
  }

  /** The queued-runs quota of {@code tenantId}: its override, or the default. */
  public int queuedRunsOf(String tenantId) {
    return queuedRunsOf.getOrDefault(tenantId, queuedRunsPerTenant);
  }
}
