package dev.agentplane.bench.runs;

import dev.agentplane.bench.FixedRate;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * Runs submitted with {@code POST /v1/runs} at a fixed arrival rate, remembering when each was due
 * and when its 202 arrived (wall clock, microseconds), so latencies can be read against the
 * database's commit times afterwards.
 */
public final class RunLoad {

  /** One accepted run: when it was due and when its 202 was read. */
  public record Submitted(UUID runId, long dueEpochMicros, long acceptedEpochMicros) {}

  private final ServiceApi api;
  private final String token;
  private final String body;
  private final Map<UUID, Submitted> accepted = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();
  private final AtomicReference<String> firstRefusal = new AtomicReference<>();

  /**
   * @param target the service (or gateway) that takes {@code POST /v1/runs}
   * @param body the run request, the same for every run
   */
  public RunLoad(URI target, String token, String body) {
    this.api = new ServiceApi(target);
    this.token = token;
    this.body = body;
  }

  /** Submits at {@code perSecond} for {@code duration}; returns once every request answered. */
  public RunLoad submit(double perSecond, Duration duration) throws InterruptedException {
    return submitUntil(perSecond, duration, () -> false);
  }

  /**
   * Submits at {@code perSecond} until {@code over} answers true, for {@code longest} at most;
   * returns once every request answered.
   */
  public RunLoad submitUntil(double perSecond, Duration longest, BooleanSupplier over)
      throws InterruptedException {
    List<Thread> requests =
        FixedRate.runUntil(
            perSecond,
            longest,
            over,
            (index, dueNanos, dueEpochMicros) -> {
              Reply reply = api.post("/v1/runs", token, body);
              long acceptedAt = FixedRate.epochMicros();
              if (reply.status() == 202) {
                UUID id = UUID.fromString(reply.body().path("id").asText());
                accepted.put(id, new Submitted(id, dueEpochMicros, acceptedAt));
              } else {
                refused.increment();
                firstRefusal.compareAndSet(null, reply.status() + " " + reply.raw());
              }
            });
    FixedRate.join(requests, longest.plusSeconds(60));
    return this;
  }

  public Map<UUID, Submitted> accepted() {
    return accepted;
  }

  /** Runs whose request was not answered 202 (none is expected; a scenario reports them). */
  public long refused() {
    return refused.sum();
  }

  public String firstRefusal() {
    return firstRefusal.get();
  }

  /** Forgets the runs submitted so far (a warm-up's). */
  public void forget() {
    accepted.clear();
  }
}
