package dev.agentplane.bench.runs;

import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A tenant flooding the platform: {@code POST /v1/runs} as fast as a fixed number of clients can
 * send it, each client sending its next request when the last one is answered, every answer counted
 * by its status. Unlike {@link RunLoad}, nothing here is a latency: the flood is the disturbance,
 * not what is measured.
 */
public final class RunFlood {

  private final ServiceApi api;
  private final String token;
  private final String body;
  private final Set<UUID> accepted = ConcurrentHashMap.newKeySet();
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final LongAdder failedRequests = new LongAdder();
  private final AtomicReference<String> firstUnexpected = new AtomicReference<>();

  /**
   * @param target the service (or gateway) that takes {@code POST /v1/runs}
   * @param body the run request, the same for every run
   */
  public RunFlood(URI target, String token, String body) {
    this.api = new ServiceApi(target);
    this.token = token;
    this.body = body;
  }

  /**
   * Sends {@code runs} requests over {@code clients} at once, none after {@code within} has passed;
   * returns when every request sent is answered.
   */
  public RunFlood submit(int runs, int clients, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    AtomicInteger taken = new AtomicInteger();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      senders.add(
          Thread.ofVirtual()
              .name("flood-" + i)
              .start(
                  () -> {
                    while (System.nanoTime() < deadline && taken.getAndIncrement() < runs) {
                      send();
                    }
                  }));
    }
    for (Thread sender : senders) {
      sender.join();
    }
    return this;
  }

  private void send() {
    Reply reply;
    try {
      reply = api.post("/v1/runs", token, body);
    } catch (UncheckedIOException e) {
      failedRequests.increment();
      firstUnexpected.compareAndSet(null, "no answer: " + e.getCause());
      return;
    }
    statuses.computeIfAbsent(reply.status(), status -> new LongAdder()).increment();
    if (reply.status() == 202) {
      accepted.add(UUID.fromString(reply.body().path("id").asText()));
    } else if (reply.status() != 429) {
      firstUnexpected.compareAndSet(null, reply.status() + " " + reply.raw());
    }
  }

  /** The runs answered 202. */
  public Set<UUID> accepted() {
    return accepted;
  }

  /** How many requests were answered with each status. */
  public Map<Integer, Long> statuses() {
    Map<Integer, Long> counts = new TreeMap<>();
    statuses.forEach((status, count) -> counts.put(status, count.sum()));
    return counts;
  }

  /** How many requests were sent (answered or failed). */
  public long sent() {
    return failedRequests() + statuses.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** How many requests got no answer at all (the connection failed). */
  public long failedRequests() {
    return failedRequests.sum();
  }

  /** The first answer that was neither 202 nor 429, or the first failed request; null if none. */
  public String firstUnexpected() {
    return firstUnexpected.get();
  }
}
