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
    List<Thread> requests =
        FixedRate.run(
            perSecond,
            duration,
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
    FixedRate.join(requests, duration.plusSeconds(60));
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
