package dev.agentplane.execution.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.RunClient;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.testkit.ChildServices;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Request;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import dev.agentplane.testkit.TestTokens;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker frozen in the middle of a tool call (the whole process stopped with SIGSTOP, as a long
 * GC pause or a suspended VM would freeze it) for longer than its lease: another instance takes the
 * run over and finishes it, calling the tool again with the same {@code Idempotency-Key}. When the
 * frozen process is continued (SIGCONT), the answer to its call finally arrives; its lease renewal
 * and any write it tries match no row (the epoch moved on), it abandons the run, and the database
 * stays exactly as the new owner left it. One payment, two requests with the same key.
 *
 * <p>Two execution instances in child JVMs share a database, with 3 s leases renewed every second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PausedPastItsLeaseIT {

  @RegisterExtension static final ChildServices services = new ChildServices();

  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration WITHIN = Duration.ofSeconds(60);

  private final TestTokens tokens = TestTokens.standard();
  private final RegistryFixture registry = new RegistryFixture();
  private TestDatabase database;
  private List<ServiceProcess> instances;
  private CountingToolServer payments;

  @BeforeAll
  void startTwoInstances() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    services.watch(SharedRegistry.get());
    database = TestPostgres.get().createDatabase("paused-past-its-lease");
    instances = services.start(instance("execution-a"), instance("execution-b"));
    payments = CountingToolServer.start();
  }

  @AfterAll
  void closePaymentApi() {
    payments.close();
  }

  @Test
  void aWorkerFrozenPastItsLeaseWritesNothingOnceAwakeAndTheToolTakesEffectOnce() throws Exception {
    String tenant = "t-" + UUID.randomUUID();
    registry.activePayer(tenant, payments.url("/payments"));
    String token = tokens.user(tenant, "op-" + tenant.substring(2, 10), "operator");
    payments.holdNext(1);
    JsonNode run = client(instances.getFirst()).start(token, PAY);
    UUID runId = UUID.fromString(run.path("id").asText());
    // The payment is made; its answer is held, so the worker waits in the middle of its call.
    await("the payment to be made").atMost(WITHIN).until(() -> payments.holding() == 1);
    ServiceProcess frozen = ServiceProcess.namedByLeaseOwner(leaseOwner(runId), instances);
    ServiceProcess survivor = instances.get(1 - instances.indexOf(frozen));

    Instant pausedAt = Instant.now();
    frozen.pause();
    long logMark = Files.size(frozen.logFile());
    Map<String, Object> afterTakeOver;
    Duration takeOver;
    try {
      JsonNode ended = client(survivor).awaitEnd(token, run, WITHIN);
      takeOver = Duration.between(pausedAt, Instant.now());
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      afterTakeOver = runRow(runId);
      assertThat(afterTakeOver).containsEntry("epoch", 2L).containsEntry("lease_owner", null);
    } finally {
      frozen.resume();
    }

    // Awake, the frozen worker's first write (its lease renewal, or the call's result if that
    // comes first) matches no row: it gives the run up, and nothing of it lands.
    payments.release();
    await("the awoken worker to give the run up")
        .atMost(WITHIN)
        .until(() -> logSince(frozen, logMark).contains("Run " + runId + " was taken over"));
    frozen.awaitHealthy();
    assertThat(runRow(runId)).as("the run as its new owner left it").isEqualTo(afterTakeOver);

    List<SseEvent> events = client(survivor).events(token, run);
    RunClient.assertNoGapsOrDuplicates(events);
    assertThat(events.size()).isEqualTo((int) (long) (Long) afterTakeOver.get("last_seq"));
    assertThat(names(events))
        .containsSubsequence(
            "run.started",
            "tool.started",
            "run.resumed",
            "tool.started",
            "tool.succeeded",
            "run.succeeded");
    assertThat(names(events).stream().filter("tool.succeeded"::equals)).hasSize(1);
    String key =
        runId
            + ":"
            + events.stream()
                .filter(e -> e.name().equals("tool.started"))
                .findFirst()
                .orElseThrow()
                .path("toolCallId")
                .asText();
    assertThat(payments.requestsWithKey(key))
        .as("the frozen worker's request, then the new owner's with the same key")
        .extracting(Request::replayed)
        .containsExactly(false, true);
    assertThat(payments.effects().stream().filter(e -> key.equals(e.idempotencyKey())))
        .as("one payment")
        .hasSize(1);
    System.out.printf(
        "PausedPastItsLeaseIT: frozen (SIGSTOP) mid-call; the run ended on the other instance %d"
            + " ms later (lease %d s); awake, the frozen worker wrote nothing%n",
        takeOver.toMillis(), LEASE.toSeconds());
  }

  // ---------------------------------------------------------------------------------------------

  private static final String PAY = "{\"agent\":\"payer\",\"input\":\"pay ACME\"}";

  private ServiceSpec instance(String name) {
    return ServiceSpec.execution(
            name,
            database,
            SharedRegistry.get().uri(),
            // No approval service here: no call of these runs waits for a human.
            URI.create("http://127.0.0.1:9"))
        .env("AGENTPLANE_EXECUTION_WORKERS_LEASE_DURATION", LEASE.toMillis() + "ms")
        .env("AGENTPLANE_EXECUTION_WORKERS_RENEW_EVERY", "1s")
        .env("AGENTPLANE_EXECUTION_WORKERS_SWEEP_EVERY", "1s")
        .env("AGENTPLANE_EXECUTION_WORKERS_UNCLAIMED_AFTER", "3s");
  }

  private static RunClient client(ServiceProcess instance) {
    return new RunClient(instance.uri());
  }

  private String leaseOwner(UUID runId) {
    return await("a worker to hold run " + runId)
        .atMost(WITHIN)
        .until(
            () -> Optional.ofNullable((String) runRow(runId).get("lease_owner")),
            Optional::isPresent)
        .orElseThrow();
  }

  /** The run row's fencing and progress columns, as the frozen worker must leave them. */
  private Map<String, Object> runRow(UUID runId) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select =
            connection.prepareStatement(
                """
                SELECT status, epoch, lease_owner, lease_expires_at, last_seq, steps, output::text,
                    finished_at,
                    (SELECT count(*) FROM execution.run_event e WHERE e.run_id = r.id) AS events,
                    (SELECT count(*) FROM execution.run_checkpoint c WHERE c.run_id = r.id)
                        AS checkpoints
                FROM execution.run r WHERE id = ?
                """)) {
      select.setObject(1, runId);
      try (ResultSet row = select.executeQuery()) {
        assertThat(row.next()).isTrue();
        ResultSetMetaData columns = row.getMetaData();
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 1; i <= columns.getColumnCount(); i++) {
          values.put(columns.getColumnLabel(i), row.getObject(i));
        }
        return values;
      }
    }
  }

  /** What the service logged after {@code mark} (a size of its log file). */
  private static String logSince(ServiceProcess service, long mark) throws IOException {
    byte[] all = Files.readAllBytes(service.logFile());
    int from = (int) Math.min(mark, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  private static List<String> names(List<SseEvent> events) {
    return events.stream().map(SseEvent::name).toList();
  }
}
