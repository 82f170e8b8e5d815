package dev.agentplane.approval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.Approvals;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Benchmark, not a test: how long from an approver's deciding {@code POST .../decisions} until the
 * {@code ApprovalDecided} it causes is readable on {@code agentplane.approvals.decided}, with N
 * approvers deciding concurrently (closed loop). Starts the approval service in-process on the
 * testkit's embedded PostgreSQL and Kafka; run through {@code
 * infra/scripts/bench-approval-decisions.sh}.
 *
 * <p>Each approver loops: open a 1-approval request (not timed), send the approving decision (clock
 * starts), wait until a separate Kafka consumer has read its event (clock stops). The latency thus
 * covers the HTTP call, the decision transaction, the outbox relay, the broker and a consumer poll.
 *
 * <p>Usage: {@code DecisionLatencyBench [--approvers 16] [--warmup 10] [--duration 30]} (seconds).
 */
public final class DecisionLatencyBench {

  private final Recorder decisionToEvent = new Recorder(3);
  private final Recorder decisionCall = new Recorder(3);
  private final Map<UUID, CompletableFuture<Long>> awaited = new ConcurrentHashMap<>();
  private final LongAdder decided = new LongAdder();
  private final java.util.concurrent.CountDownLatch assigned =
      new java.util.concurrent.CountDownLatch(1);
  // The reader outlives the approvers: each approver's last decision still waits for its event.
  private volatile boolean readerStopping;

  public static void main(String[] args) throws Exception {
    int approvers = 16;
    int warmup = 10;
    int duration = 30;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--approvers" -> approvers = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--duration" -> duration = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    new DecisionLatencyBench().run(approvers, warmup, duration);
    System.exit(0);
  }

  private void run(int approvers, int warmupSeconds, int durationSeconds) throws Exception {
    TestKafka kafka = TestKafka.get();
    kafka.createTopics(Topics.ALL.toArray(String[]::new));
    TestPostgres.TestDatabase database = TestPostgres.get().createDatabase("DecisionLatencyBench");
    try (ApplicationContext context =
        ApplicationContext.builder()
            .properties(
                Map.of(
                    // The owner migrates; the service logs in as its application role.
                    "agentplane.db.url", database.jdbcUrl(),
                    "agentplane.db.user", database.user(),
                    "agentplane.db.password", database.password(),
                    "agentplane.db.pool-size", "20",
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "agentplane.jwt.secret", TestTokens.SECRET,
                    "micronaut.server.port", "-1"))
            .start()) {
      EmbeddedServer server = context.getBean(EmbeddedServer.class).start();
      ServiceApi api = new ServiceApi(server.getURI());
      TestTokens tokens = TestTokens.standard();
      String tenant = "bench-" + UUID.randomUUID();
      String service = tokens.service(tenant, "svc-bench", "internal");

      Thread reader = Thread.ofPlatform().name("decided-reader").start(this::readDecisions);
      // Approvers start only once the reader owns the partition, so no event waits on a rebalance.
      if (!assigned.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("The approvals.decided reader got no partition in 60 s");
      }
      // The phases are deadlines each approver checks itself: a decision counts when it starts
      // inside the measured window, and every approver stops at the window's end.
      long measureFrom = System.nanoTime() + Duration.ofSeconds(warmupSeconds).toNanos();
      long measureUntil = measureFrom + Duration.ofSeconds(durationSeconds).toNanos();
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < approvers; i++) {
        String approver = tokens.user(tenant, "approver-" + i, "approver");
        workers.add(
            Thread.ofVirtual()
                .name("approver-" + i)
                .start(() -> decideLoop(api, service, approver, measureFrom, measureUntil)));
      }
      for (Thread worker : workers) {
        worker.join();
      }
      double seconds = durationSeconds;
      readerStopping = true;
      reader.join(Duration.ofSeconds(5));
      var event = decisionToEvent.getIntervalHistogram();
      var call = decisionCall.getIntervalHistogram();
      System.out.printf(
          Locale.ROOT,
          "%d approvers, %ds warm-up, %ds measured: %d decisions (%.1f/s)%n",
          approvers,
          warmupSeconds,
          durationSeconds,
          decided.sum(),
          decided.sum() / seconds);
      System.out.printf(
          Locale.ROOT,
          "decision -> approvals.decided visible: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f"
              + " ms%n",
          event.getValueAtPercentile(50) / 1e6,
          event.getValueAtPercentile(90) / 1e6,
          event.getValueAtPercentile(99) / 1e6,
          event.getMaxValue() / 1e6);
      System.out.printf(
          Locale.ROOT,
          "decision HTTP call alone:             p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f"
              + " ms%n",
          call.getValueAtPercentile(50) / 1e6,
          call.getValueAtPercentile(90) / 1e6,
          call.getValueAtPercentile(99) / 1e6,
          call.getMaxValue() / 1e6);
      System.out.printf(
          Locale.ROOT,
          "RESULT approvers=%d decisions_per_s=%.1f p50_ms=%.1f p99_ms=%.1f%n",
          approvers,
          decided.sum() / seconds,
          event.getValueAtPercentile(50) / 1e6,
          event.getValueAtPercentile(99) / 1e6);
    }
  }

  private void decideLoop(
      ServiceApi api, String service, String approver, long measureFrom, long measureUntil) {
    while (System.nanoTime() < measureUntil) {
      Reply opened = api.post("/v1/approvals", service, Approvals.anApproval().json());
      if (opened.status() != 201) {
        throw new IllegalStateException("Could not open a request: " + opened.raw());
      }
      JsonNode request = opened.body();
      UUID id = UUID.fromString(request.path("id").asText());
      CompletableFuture<Long> seen =
          awaited.computeIfAbsent(id, unused -> new CompletableFuture<>());
      long start = System.nanoTime();
      Reply reply =
          api.post("/v1/approvals/" + id + "/decisions", approver, "{\"decision\":\"approve\"}");
      long answered = System.nanoTime();
      if (reply.status() != 200) {
        throw new IllegalStateException("Decision refused: " + reply.raw());
      }
      try {
        long visible = seen.get(30, TimeUnit.SECONDS);
        if (start >= measureFrom) {
          decisionToEvent.recordValue(Math.max(0, visible - start));
          decisionCall.recordValue(answered - start);
          decided.increment();
        }
      } catch (Exception e) {
        throw new IllegalStateException("approvals.decided for " + id + " never arrived", e);
      } finally {
        awaited.remove(id);
      }
    }
  }

  private void readDecisions() {
    try (KafkaConsumer<String, byte[]> consumer = TestKafka.get().newConsumer()) {
      consumer.subscribe(List.of(Topics.APPROVALS_DECIDED));
      while (!readerStopping) {
        var records = consumer.poll(Duration.ofMillis(20));
        if (!consumer.assignment().isEmpty()) {
          assigned.countDown();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
          long now = System.nanoTime();
          PlatformEvent event = EventEnvelope.unwrap(EventEnvelope.fromKafka(record));
          if (event instanceof ApprovalDecided decision) {
            awaited
                .computeIfAbsent(decision.approvalId(), unused -> new CompletableFuture<>())
                .complete(now);
          }
        }
      }
    }
  }
}
