package dev.agentplane.execution.registry;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.agentplane.contracts.RunMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agent resolutions the registry answered recently, so that a stream of runs of one agent asks the
 * registry once rather than once per run (the registry's {@code agentplane.registry.lifecycle}
 * events are published for exactly such caches).
 *
 * <p>Any lifecycle event of a tenant drops that tenant's entries ({@link #forgetTenant}): a version
 * drafted, submitted, activated or archived, of an agent or of a tool (an agent naming a tool
 * {@code active} resolves to another tool version once that tool is promoted). An entry also lapses
 * after {@code ttl}, which bounds how stale an answer can be when an event comes late or not at all
 * (this instance's consumer not yet assigned, the broker down). Refusals are never kept: a run of
 * an agent that has just been created is not refused from memory.
 *
 * <p>An answer used after half its ttl is asked again in the background while runs keep using it
 * (Caffeine's {@code refreshAfterWrite}); the new answer starts a new ttl, and a refresh that
 * crosses an event is dropped (Caffeine discards a refresh when its entry was written or removed
 * meanwhile). A refresh the registry refuses, or cannot answer, drops the answer: the next run asks
 * and hears the refusal or the outage, as when an answer lapsed before (a failed refresh kept would
 * be retried, and logged, at every run until the ttl ends). Decision: without it, every agent's
 * answer lapsed every ttl and the runs of that moment each waited for the registry, which under
 * load is when it answers slowest: in the noisy-neighbour benchmark the quiet tenant's slowest
 * starts came in bursts 29 s apart, each run of a burst waiting 50–250 ms before intake had its
 * agent, while the flooding tenant's runs asked the registry at the same moment.
 */
@Singleton
public class AgentResolutions {

  /**
   * Counter of resolutions, tagged {@code answer=remembered}, {@code answer=asked} (a run waited
   * for the registry) or {@code answer=refreshed} (asked in the background, no run waiting).
   */
  public static final String METRIC = "agentplane.execution.agent.resolutions";

  private record Request(String tenantId, String agent, String version, RunMode mode) {}

  private final RegistryClient registry;
  private final LoadingCache<Request, AgentSnapshot> answers;
  private final boolean enabled;
  // Counts forgets, so that an answer fetched while an event arrived (it may predate the change the
  // event announces) is not stored after the event has cleared the cache.
  private final AtomicLong forgets = new AtomicLong();
  private final Counter remembered;
  private final Counter asked;
  private final Counter refreshed;

  AgentResolutions(
      RegistryClient registry, ResolutionCacheSettings settings, MeterRegistry meters) {
    this.registry = registry;
    this.remembered = counter(meters, "remembered");
    this.asked = counter(meters, "asked");
    this.refreshed = counter(meters, "refreshed");
    this.enabled = settings.enabled() && !settings.ttl().isZero();
    // Registry calls block: each refresh on a virtual thread of its own.
    Executor refreshes =
        refresh -> Thread.ofVirtual().name("agent-resolution-refresh").start(refresh);
    this.answers =
        Caffeine.newBuilder()
            .maximumSize(settings.maximumSize())
            .expireAfterWrite(settings.ttl())
            // Positive however short the ttl, as Caffeine requires.
            .refreshAfterWrite(settings.ttl().dividedBy(2).plusNanos(1))
            .executor(refreshes)
            .build(new Refresh());
  }

  /**
   * What a refresh asks; a first answer is fetched by {@link #resolve} itself, which keeps no
   * refusal and stores nothing an event has made stale.
   */
  private final class Refresh implements CacheLoader<Request, AgentSnapshot> {

    @Override
    public AgentSnapshot load(Request request) {
      refreshed.increment();
      try {
        return registry.resolve(
            request.tenantId(), request.agent(), request.version(), request.mode());
      } catch (AgentNotResolvable | RegistryUnavailableException refusedOrUnavailable) {
        // Null removes the answer: the next run asks, and hears what the registry says.
        return null;
      }
    }
  }

  /**
   * The agent resolved as {@link RegistryClient#resolve} would now, from memory when the registry
   * answered the same question since the tenant's last lifecycle event and within the ttl.
   *
   * @throws AgentNotResolvable as {@link RegistryClient#resolve} does
   */
  public AgentSnapshot resolve(String tenantId, String agent, String version, RunMode mode) {
    if (!enabled) {
      asked.increment();
      return registry.resolve(tenantId, agent, version, mode);
    }
    Request request = new Request(tenantId, agent, version, mode);
    AgentSnapshot known = answers.getIfPresent(request);
    if (known != null) {
      remembered.increment();
      return known;
    }
    asked.increment();
    long forgetsBefore = forgets.get();
    AgentSnapshot answer = registry.resolve(tenantId, agent, version, mode);
    if (forgets.get() == forgetsBefore) {
      answers.put(request, answer);
    }
    return answer;
  }

  /** Drops every answer about {@code tenantId}: something in its registry changed. */
  public void forgetTenant(String tenantId) {
    forgets.incrementAndGet();
    answers.asMap().keySet().removeIf(request -> request.tenantId().equals(tenantId));
  }

  /** Drops every answer: a lifecycle event that names no tenant readable here. */
  public void forgetAll() {
    forgets.incrementAndGet();
    answers.invalidateAll();
  }

  private static Counter counter(MeterRegistry meters, String answer) {
    return Counter.builder(METRIC)
        .description(
            "Agent resolutions for intake: answered from memory, by asking the registry, or"
                + " refreshed in the background")
        .tag("answer", answer)
        .register(meters);
  }
}
