package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.FakeOpenAiServer.heldStream;
import static dev.agentplane.execution.support.FakeOpenAiServer.slowStream;
import static dev.agentplane.execution.support.FakeOpenAiServer.sse;
import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.testkit.OpenAiChunks.finishChunk;
import static dev.agentplane.testkit.OpenAiChunks.textChunk;
import static dev.agentplane.testkit.OpenAiChunks.usageChunk;
import static dev.agentplane.testkit.SpecJson.json;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.ApprovalService;
import dev.agentplane.execution.support.FakeOpenAiServer;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.RunClient;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ChildServices;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Effect;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import dev.agentplane.testkit.TestTokens;
import java.net.URI;
import java.net.URLEncoder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real crashes: two execution service instances in child JVMs share a database and their Kafka
 * consumer groups; a test kills one with SIGKILL at a chosen moment (during a model call, during a
 * tool call, during its final write, while a run waits for a human, in the middle of 200 runs,
 * which is also run with a graceful stop). Once the dead worker's lease lapsed (3 s here) the other
 * instance takes its runs over from their last checkpoints, and every run ends, every side effect
 * is taken once (a call that is not safe to repeat only when a human says so), and every run's
 * event stream has no gap and no duplicate. The killed instance is started again in the background,
 * as a supervisor would; it is back only well after the takeover.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashRecoveryIT {

  @RegisterExtension static final ChildServices services = new ChildServices();

  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration TAKEOVER_WITHIN = Duration.ofSeconds(60);
  private static final String KEY_SECRET = "OPENAI_KEY";
  private static final int MANY_RUNS = 200;

  private final TestTokens tokens = TestTokens.standard();
  private final RegistryFixture registry = new RegistryFixture();
  private TestDatabase database;
  private ServiceProcess first;
  private ServiceProcess second;
  private CountingToolServer api;

  @BeforeAll
  void startTwoInstances() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    services.watch(SharedRegistry.get());
    database = TestPostgres.get().createDatabase("crash-recovery");
    List<ServiceProcess> started =
        services.start(instance("execution-a", LEASE), instance("execution-b", LEASE));
    first = started.get(0);
    second = started.get(1);
    api = CountingToolServer.start();
  }

  @BeforeEach
  void bothInstancesRun() {
    services.ensureRunning(first, second);
  }

  @Test
  void aRunStreamsLiveFromAnInstanceThatDoesNotExecuteIt() {
    String tenant = newTenant();
    // Long enough that the run still naps once the first instance's poll has shown tool.started
    // and the test reads the run there, across child JVMs on a loaded machine.
    registry.activeNapper(tenant, Duration.ofSeconds(5));
    String token = operator(tenant);
    // Accepted by the second instance, which starts it at once (eager start); streamed by the
    // first, which hears of its events only by polling the database.
    JsonNode run = client(second).start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    try (SseStream stream = client(first).openEvents(token, run, "", Map.of())) {
      assertThat(instanceRunning(run)).isSameAs(second);
      SseEvent started = awaitEvent(stream, "tool.started");
      assertThat(client(first).run(token, run).path("status").asText())
          .as("the event came while the tool sleeps, not after the run")
          .isEqualTo("running");
      List<SseEvent> all = stream.untilEnd(Duration.ofSeconds(30));
      assertThat(all.getLast().name()).isEqualTo("run.succeeded");
      assertThat(all.getFirst().name()).isEqualTo("run.queued");
      RunClient.assertNoGapsOrDuplicates(all);
      assertThat(all).contains(started);
    }
  }

  @Test
  void killedDuringAModelCallTheRunIsTakenOverAndFinishesFromItsCheckpoint() {
    String tenant = newTenant();
    CountDownLatch never = new CountDownLatch(1);
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenAThinkingAgent(tenant, openAi);
      openAi.answer(slowStream(textChunk("Let me think", true), never));
      String token = operator(tenant);
      JsonNode run = startThinkingUntilItsFirstWords(openAi, token);
      ServiceProcess holder = instanceRunning(run);
      crash(holder);

      RunClient survivor = client(other(holder));
      JsonNode ended = survivor.awaitEnd(token, run, TAKEOVER_WITHIN);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("The answer is 42.");
      assertThat(ended.path("steps").asInt()).isEqualTo(1);
      assertThat(openAi.received()).hasSize(2);
      assertThat(openAi.received().get(1).body().path("messages"))
          .as("the survivor asked the model the same question, from the same checkpoint")
          .isEqualTo(openAi.received().get(0).body().path("messages"));
      List<SseEvent> events = gapFreeEvents(survivor, token, run);
      assertThat(names(events))
          .containsSubsequence(
              "run.started",
              "step.started",
              "model.delta",
              "run.resumed",
              "step.started",
              "model.completed",
              "run.succeeded");
      assertThat(named(events, "model.completed")).hasSize(1);
    } finally {
      never.countDown();
    }
  }

  @Test
  void killedDuringTheFinalWriteTheRunEndsOnceFromItsLastCheckpoint() throws Exception {
    String tenant = newTenant();
    CountDownLatch answered = new CountDownLatch(1);
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenAThinkingAgent(tenant, openAi);
      openAi.answer(
          heldStream(
              textChunk("The answer is 42.", true),
              answered,
              finishChunk("stop"),
              usageChunk(20, 5)));
      String token = operator(tenant);
      JsonNode run = startThinkingUntilItsFirstWords(openAi, token);
      ServiceProcess holder = instanceRunning(run);

      // The test holds the run's row, lets the model finish, and waits until the worker's last
      // commit (the answer, run.succeeded, the ending) is blocked in PostgreSQL on that row: the
      // instance is killed in the middle of its final write, which therefore never commits.
      try (Connection lock = database.connect()) {
        lock.setAutoCommit(false);
        try (PreparedStatement hold =
            lock.prepareStatement("SELECT 1 FROM execution.run WHERE id = ? FOR UPDATE")) {
          hold.setObject(1, runId(run));
          hold.executeQuery().close();
        }
        answered.countDown();
        await("the final write to wait for the run's row")
            .atMost(Duration.ofSeconds(20))
            .until(() -> finalWritesWaiting(database) == 1);
        crash(holder);
        lock.rollback();
      }

      RunClient survivor = client(other(holder));
      JsonNode ended = survivor.awaitEnd(token, run, TAKEOVER_WITHIN);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("The answer is 42.");
      assertThat(openAi.received())
          .as("the survivor asked again from the last checkpoint: the first answer never landed")
          .hasSize(2);
      List<SseEvent> events = gapFreeEvents(survivor, token, run);
      assertThat(named(events, "run.succeeded")).hasSize(1);
      assertThat(named(events, "model.completed")).hasSize(1);
      assertThat(names(events)).containsSubsequence("model.delta", "run.resumed", "run.succeeded");
    } finally {
      answered.countDown();
    }
  }

  @Test
  void killedDuringAnIdempotentHttpCallTheCallIsRepeatedWithItsKeyAndTakesEffectOnce() {
    String tenant = newTenant();
    registry.activePayer(tenant, api.url("/payments"));
    String token = operator(tenant);
    api.holdNext(1);
    try {
      JsonNode run = client(first).start(token, "{\"agent\":\"payer\",\"input\":\"pay ACME\"}");
      // The payment was made; its answer is held back, so no worker has recorded it.
      await("the payment to arrive").atMost(Duration.ofSeconds(30)).until(() -> api.holding() == 1);
      ServiceProcess holder = instanceRunning(run);
      crash(holder);

      RunClient survivor = client(other(holder));
      JsonNode ended = survivor.awaitEnd(token, run, TAKEOVER_WITHIN);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      List<SseEvent> events = gapFreeEvents(survivor, token, run);
      List<SseEvent> started = named(events, "tool.started");
      assertThat(started).as("the call was started by both workers").hasSize(2);
      String callId = started.getFirst().path("toolCallId").asText();
      assertThat(started.getLast().path("toolCallId").asText()).isEqualTo(callId);
      assertThat(named(events, "tool.succeeded")).hasSize(1);
      assertThat(names(events)).containsSubsequence("tool.started", "run.resumed", "tool.started");

      String key = run.path("id").asText() + ":" + callId;
      assertThat(started)
          .extracting(event -> event.path("idempotencyKey").asText())
          .containsOnly(key);
      assertThat(api.requestsWithKey(key))
          .as("the call was repeated with the same Idempotency-Key")
          .hasSize(2)
          .extracting(CountingToolServer.Request::replayed)
          .containsExactly(false, true);
      assertThat(effectsOf(run)).as("one payment").hasSize(1);
      assertThat(ended.path("output").asText()).contains("\"effect\":");
    } finally {
      api.release();
    }
  }

  @Test
  void killedWhileARunWaitsForApprovalTheRunResumesElsewhereOnceDecided() {
    String tenant = newTenant();
    registry.activeTool(tenant, "lookup", ToolSpecs.httpGet(api.url("/accounts/ACME"), 30_000));
    registry.activeTool(
        tenant, "pay", ToolSpecs.gated(ToolSpecs.payment(api.url("/payments"), true), "'always'"));
    registry.activeAgent(
        tenant,
        "careful",
        aScriptedAgent()
            .tools("lookup", "pay")
            .calls("lookup", "{}")
            .calls("pay", "{'amount': 7, 'to': 'ACME'}")
            .answers("'paid'")
            .build());
    String token = operator(tenant);
    // The lookup is held so that the instance running the run can be seen; it then parks the run.
    api.holdNext(1);
    JsonNode run;
    ServiceProcess parkedBy;
    try {
      run = client(first).start(token, "{\"agent\":\"careful\",\"input\":\"pay ACME\"}");
      await("the lookup to arrive").atMost(Duration.ofSeconds(30)).until(() -> api.holding() == 1);
      parkedBy = instanceRunning(run);
    } finally {
      api.release();
    }
    client(parkedBy).awaitStatus(token, run, "waiting_approval", Duration.ofSeconds(30));
    crash(parkedBy);

    RunClient survivor = client(other(parkedBy));
    String callId = gateAskedFor(survivor, token, run);
    ApprovalService.publish(
        ApprovalService.decision(
            tenant, runId(run), callId, ApprovalOutcome.APPROVED, null, null, null));

    JsonNode ended = survivor.awaitEnd(token, run, TAKEOVER_WITHIN);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    List<SseEvent> events = gapFreeEvents(survivor, token, run);
    assertThat(names(events))
        .containsSubsequence(
            "tool.approval_requested",
            "tool.approval_decided",
            "run.resumed",
            "tool.started",
            "tool.succeeded",
            "run.succeeded");
    assertThat(effectsOf(run))
        .extracting(Effect::path)
        .containsExactly("/accounts/ACME", "/payments");
  }

  @Test
  void killedDuringANonIdempotentCallTheCallIsMadeAgainOnlyIfAHumanApproves() {
    String tenant = newTenant();
    registry.activeTool(tenant, "transfer", ToolSpecs.payment(api.url("/transfers"), false));
    registry.activeAgent(
        tenant,
        "mover",
        aScriptedAgent()
            .tools("transfer")
            .calls("transfer", "{'amount': 5, 'to': 'ACME'}")
            .answers("'moved: {{tool.transfer}}'")
            .build());
    String token = operator(tenant);
    api.holdNext(2);
    try {
      JsonNode retried = client(first).start(token, "{\"agent\":\"mover\",\"input\":\"one\"}");
      JsonNode refused = client(first).start(token, "{\"agent\":\"mover\",\"input\":\"two\"}");
      // Both transfers reached the API; neither answer did.
      await("both transfers to arrive")
          .atMost(Duration.ofSeconds(30))
          .until(() -> api.holding() == 2);
      ServiceProcess holder = instanceRunning(retried);
      assertThat(instanceRunning(refused))
          .as("both runs on the instance that took them")
          .isSameAs(holder);
      crash(holder);

      RunClient survivor = client(other(holder));
      survivor.awaitStatus(token, retried, "waiting_approval", TAKEOVER_WITHIN);
      survivor.awaitStatus(token, refused, "waiting_approval", TAKEOVER_WITHIN);
      String retryGate = gateAskedFor(survivor, token, retried);
      String refusedGate = gateAskedFor(survivor, token, refused);
      assertThat(retryGate).endsWith("#retry-1");
      String retriedKey = idempotencyKeyOf(retried, retryGate);
      String refusedKey = idempotencyKeyOf(refused, refusedGate);
      assertThat(api.requestsWithKey(retriedKey)).as("not repeated on its own").hasSize(1);
      assertThat(api.requestsWithKey(refusedKey)).as("not repeated on its own").hasSize(1);

      ApprovalService.publish(
          ApprovalService.decision(
              tenant, runId(retried), retryGate, ApprovalOutcome.APPROVED, null, null, null));
      ApprovalService.publish(
          ApprovalService.decision(
              tenant,
              runId(refused),
              refusedGate,
              ApprovalOutcome.REJECTED,
              null,
              null,
              "the transfer went through, I checked"));

      assertThat(survivor.awaitEnd(token, retried, TAKEOVER_WITHIN).path("status").asText())
          .isEqualTo("succeeded");
      assertThat(survivor.awaitEnd(token, refused, TAKEOVER_WITHIN).path("status").asText())
          .isEqualTo("succeeded");
      assertThat(api.requestsWithKey(retriedKey))
          .as("made again, with its key, once a human approved")
          .hasSize(2);
      assertThat(api.requestsWithKey(refusedKey)).as("never made again").hasSize(1);
      List<SseEvent> refusedEvents = gapFreeEvents(survivor, token, refused);
      assertThat(named(refusedEvents, "tool.failed"))
          .singleElement()
          .satisfies(
              failed -> {
                assertThat(failed.path("errorCode").asText()).isEqualTo("outcome_unknown");
                assertThat(failed.path("message").asText()).contains("went through, I checked");
              });
      List<SseEvent> retriedEvents = gapFreeEvents(survivor, token, retried);
      assertThat(names(retriedEvents))
          .containsSubsequence(
              "tool.started",
              "run.resumed",
              "tool.approval_requested",
              "tool.approval_decided",
              "tool.started",
              "tool.succeeded",
              "run.succeeded");
    } finally {
      api.release();
    }
  }

  /** How an instance leaves in the middle of its work; a supervisor starts it again either way. */
  enum Departure {
    /** SIGKILL: nothing is released; its runs wait for their leases to lapse. */
    KILLED {
      @Override
      void of(ServiceProcess instance) {
        instance.kill();
      }
    },
    /**
     * SIGTERM: it releases its leases and leaves its consumer groups, so the survivor gets its
     * partitions in a rebalance and its runs from the next sweep.
     */
    STOPPED {
      @Override
      void of(ServiceProcess instance) {
        instance.stop();
      }
    };

    abstract void of(ServiceProcess instance);
  }

  @ParameterizedTest
  @EnumSource(Departure.class)
  void leavingMidwayThroughTwoHundredRunsEveryRunEndsWithOneEffect(Departure departure)
      throws Exception {
    String tenant = newTenant();
    registry.activeTool(tenant, "ticket", ToolSpecs.payment(api.url("/tickets"), true));
    registry.activeAgent(
        tenant,
        "ticketing",
        aScriptedAgent()
            .tools("ticket")
            .calls("ticket", "{'amount': 1, 'to': '{{input.customer}}'}")
            .answers("'ticket {{tool.ticket}}'")
            .build());
    String token = operator(tenant);
    // A slow API keeps calls in flight, so the kill finds runs mid-call.
    api.respondAfter(Duration.ofMillis(300));
    List<String> runIds = new ArrayList<>();
    Instant leftAt = null;
    try {
      for (int i = 0; i < MANY_RUNS; i++) {
        if (i == MANY_RUNS / 2) {
          departure.of(first);
          first.startAgainInBackground();
          leftAt = Instant.now();
        }
        ServiceProcess target = i % 2 == 0 && i < MANY_RUNS / 2 ? first : second;
        JsonNode run =
            client(target)
                .start(token, "{\"agent\":\"ticketing\",\"input\":{\"customer\":\"c-" + i + "\"}}");
        runIds.add(run.path("id").asText());
      }

      RunClient survivor = client(second);
      Map<String, String> statuses =
          await("all " + MANY_RUNS + " runs to end")
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> statusesOf(survivor, token),
                  now ->
                      now.size() == MANY_RUNS
                          && now.values().stream().allMatch(RunClient.TERMINAL::contains));
      Duration allEnded = Duration.between(leftAt, Instant.now());
      assertThat(statuses.keySet()).containsExactlyInAnyOrderElementsOf(runIds);
      assertThat(statuses.values()).containsOnly("succeeded");

      Map<String, List<Effect>> effectsByRun =
          api.effects().stream()
              .filter(effect -> effect.path().equals("/tickets"))
              .collect(Collectors.groupingBy(CrashRecoveryIT::runIdOf));
      // The tool server outlives a test: an earlier departure's tickets are there too.
      effectsByRun.keySet().retainAll(runIds);
      assertThat(effectsByRun.keySet()).containsExactlyInAnyOrderElementsOf(runIds);
      assertThat(effectsByRun.values())
          .as("one ticket per run")
          .allSatisfy(e -> assertThat(e).hasSize(1));

      Map<String, List<SseEvent>> eventsByRun = readAllEvents(survivor, token, runIds);
      long resumed =
          eventsByRun.values().stream()
              .filter(events -> names(events).contains("run.resumed"))
              .count();
      long replayed =
          api.requests().stream()
              .filter(request -> request.path().equals("/tickets") && request.replayed())
              .filter(request -> runIds.contains(runIdOf(request.idempotencyKey())))
              .count();
      assertThat(resumed).as("runs the survivor took over from the killed instance").isPositive();
      System.out.printf(
          "CrashRecoveryIT: %d runs, instance %s after %d were started; %d runs taken over,"
              + " %d calls repeated with their key (no effect), all ended %d ms after it left%n",
          MANY_RUNS, departure, MANY_RUNS / 2, resumed, replayed, allEnded.toMillis());
    } finally {
      api.respondAfter(Duration.ZERO);
    }
  }

  /**
   * Not a check but a measurement, run on demand ({@code -Dagentplane.measure.takeover=true}): how
   * long a run stands still after its worker is killed, with the default lease (30 s), renewal and
   * sweep. It starts an instance pair of its own with the defaults.
   */
  @Test
  @EnabledIfSystemProperty(named = "agentplane.measure.takeover", matches = "true")
  void timeFromAKillToTheRunResumedWithTheDefaultLease() {
    first.stop();
    second.stop();
    TestDatabase own = TestPostgres.get().createDatabase("takeover-measurement");
    List<ServiceProcess> pair =
        services.start(
            instance("execution-default-a", own, null), instance("execution-default-b", own, null));
    String tenant = newTenant();
    registry.activeTool(tenant, "pay", ToolSpecs.payment(api.url("/measured"), true));
    registry.activeAgent(
        tenant,
        "measured",
        aScriptedAgent()
            .tools("pay")
            .calls("pay", "{'amount': 1, 'to': 'X'}")
            .answers("'ok'")
            .build());
    String token = operator(tenant);
    api.holdNext(1);
    try {
      JsonNode run = client(pair.get(0)).start(token, "{\"agent\":\"measured\",\"input\":\"go\"}");
      await().atMost(Duration.ofSeconds(30)).until(() -> api.holding() == 1);
      ServiceProcess holder = instanceRunning(run, own, pair);
      ServiceProcess survivor = holder == pair.get(0) ? pair.get(1) : pair.get(0);
      Instant killedAt = Instant.now();
      holder.kill();
      try (SseStream stream = client(survivor).openEvents(token, run, "", Map.of())) {
        SseEvent resumed = awaitEvent(stream, "run.resumed", Duration.ofSeconds(90));
        Duration standstill = Duration.between(killedAt, Instant.now());
        assertThat(resumed).isNotNull();
        System.out.printf(
            "CrashRecoveryIT: kill -9 -> run.resumed on the survivor in %d ms"
                + " (default lease 30s, renew 10s, sweep 5s)%n",
            standstill.toMillis());
      }
      assertThat(client(survivor).awaitEnd(token, run).path("status").asText())
          .isEqualTo("succeeded");
    } finally {
      api.release();
      pair.forEach(ServiceProcess::stop);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** An execution instance on this class's database with this lease (null: the defaults). */
  private ServiceSpec instance(String name, Duration lease) {
    return instance(name, database, lease);
  }

  private static ServiceSpec instance(String name, TestDatabase database, Duration lease) {
    ServiceSpec spec =
        ServiceSpec.execution(
            name,
            database,
            SharedRegistry.get().uri(),
            // No approval service here: decisions arrive on Kafka, and no test cancels a run.
            URI.create("http://127.0.0.1:9"));
    if (lease == null) {
      return spec;
    }
    return spec.env("AGENTPLANE_EXECUTION_WORKERS_LEASE_DURATION", lease.toMillis() + "ms")
        .env("AGENTPLANE_EXECUTION_WORKERS_RENEW_EVERY", "1s")
        .env("AGENTPLANE_EXECUTION_WORKERS_SWEEP_EVERY", "1s")
        .env("AGENTPLANE_EXECUTION_WORKERS_UNCLAIMED_AFTER", "3s");
  }

  /**
   * Kills the instance (SIGKILL) and starts it again in the background, as its supervisor would: it
   * comes back well after the run's lease lapsed, so the other instance takes the run over, and the
   * next test finds both instances running without waiting for a whole start.
   */
  private static void crash(ServiceProcess instance) {
    instance.kill();
    instance.startAgainInBackground();
  }

  private ServiceProcess instanceRunning(JsonNode run) {
    return instanceRunning(run, database, List.of(first, second));
  }

  /** The instance whose worker holds the run's lease. */
  private static ServiceProcess instanceRunning(
      JsonNode run, TestDatabase database, List<ServiceProcess> instances) {
    String owner =
        await("a worker to hold run " + run.path("id").asText())
            .atMost(Duration.ofSeconds(30))
            .until(() -> leaseOwner(database, run), Optional::isPresent)
            .orElseThrow();
    return ServiceProcess.namedByLeaseOwner(owner, instances);
  }

  /** Step commits (the journal's group-commit statement) waiting for a row lock, of any run. */
  private static long finalWritesWaiting(TestDatabase database) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement query =
            connection.prepareStatement(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND query LIKE 'WITH step AS%'
                """);
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static Optional<String> leaseOwner(TestDatabase database, JsonNode run)
      throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT lease_owner FROM execution.run WHERE id = ? AND status = 'running'")) {
      query.setObject(1, UUID.fromString(run.path("id").asText()));
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * The gate of the run's latest approval request, as gates name tool calls: the call's id, or
   * {@code <call id>#retry-<n>} for one asking whether to retry an uncertain call.
   */
  private static String gateAskedFor(RunClient instance, String token, JsonNode run) {
    return eventsSoFar(instance, token, run, "tool.approval_requested")
        .getLast()
        .path("toolCallId")
        .asText();
  }

  private static String idempotencyKeyOf(JsonNode run, String retryGate) {
    return run.path("id").asText() + ":" + retryGate.substring(0, retryGate.indexOf('#'));
  }

  private static UUID runId(JsonNode run) {
    return UUID.fromString(run.path("id").asText());
  }

  private ServiceProcess other(ServiceProcess instance) {
    return instance == first ? second : first;
  }

  private static RunClient client(ServiceProcess instance) {
    return new RunClient(instance.uri());
  }

  private String operator(String tenant) {
    return tokens.user(tenant, "op-" + tenant.substring(2, 10), "operator");
  }

  private static String newTenant() {
    return "t-" + UUID.randomUUID();
  }

  private void givenAThinkingAgent(String tenant, FakeOpenAiServer openAi) {
    registry.putSecret(tenant, KEY_SECRET, "sk-crash-" + UUID.randomUUID());
    registry.activeAgent(
        tenant,
        "thinker",
        json(
            "{'description':'Thinks with a real model','kind':'assistant','model':{'provider':"
                + "'openai','name':'gpt-test','baseUrl':'"
                + openAi.baseUrl()
                + "','apiKeySecret':'"
                + KEY_SECRET
                + "'},'instructions':'Think, then answer.'}"));
  }

  /**
   * Starts a run of the thinking agent on the first instance, whose second model call (the
   * survivor's) answers at once, and returns once the model streamed and its first words are on
   * disk: the first call is well under way.
   */
  private JsonNode startThinkingUntilItsFirstWords(FakeOpenAiServer openAi, String token) {
    openAi.answer(
        sse(textChunk("The answer is 42.", true), finishChunk("stop"), usageChunk(20, 5)));
    JsonNode run = client(first).start(token, "{\"agent\":\"thinker\",\"input\":\"Why?\"}");
    try (SseStream stream = client(first).openEvents(token, run, "", Map.of())) {
      awaitEvent(stream, "model.delta");
    }
    return run;
  }

  /** The effects the counting server took for the run's calls (their keys start with its id). */
  private List<Effect> effectsOf(JsonNode run) {
    String runId = run.path("id").asText();
    return api.effects().stream().filter(effect -> runIdOf(effect).equals(runId)).toList();
  }

  private static String runIdOf(Effect effect) {
    return runIdOf(effect.idempotencyKey());
  }

  /** The run named by an {@code Idempotency-Key} ({@code <run id>:<tool call id>}). */
  private static String runIdOf(String idempotencyKey) {
    return idempotencyKey == null ? "" : idempotencyKey.substring(0, idempotencyKey.indexOf(':'));
  }

  /**
   * The run's whole event stream, checked: sequence numbers 1..n with no gap and no repeat, from
   * {@code run.queued} to the terminal event.
   */
  private static List<SseEvent> gapFreeEvents(RunClient instance, String token, JsonNode run) {
    List<SseEvent> events = instance.events(token, run);
    RunClient.assertNoGapsOrDuplicates(events);
    return events;
  }

  private static Map<String, List<SseEvent>> readAllEvents(
      RunClient instance, String token, List<String> runIds) throws Exception {
    try (ExecutorService readers = Executors.newFixedThreadPool(8)) {
      Map<String, Future<List<SseEvent>>> reading = new HashMap<>();
      for (String id : runIds) {
        JsonNode run = json("{'id':'" + id + "'}");
        reading.put(id, readers.submit(() -> gapFreeEvents(instance, token, run)));
      }
      Map<String, List<SseEvent>> events = new HashMap<>();
      for (Map.Entry<String, Future<List<SseEvent>>> entry : reading.entrySet()) {
        events.put(entry.getKey(), entry.getValue().get());
      }
      return events;
    }
  }

  /** Every run of the tenant by id, with its status, read page by page. */
  private static Map<String, String> statusesOf(RunClient instance, String token) {
    Map<String, String> statuses = new HashMap<>();
    String cursor = null;
    do {
      JsonNode page =
          instance.get(
              token,
              "/v1/runs?limit=100"
                  + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, UTF_8)));
      page.path("items")
          .forEach(run -> statuses.put(run.path("id").asText(), run.path("status").asText()));
      cursor = page.hasNonNull("nextCursor") ? page.path("nextCursor").asText() : null;
    } while (cursor != null);
    return statuses;
  }

  /** Reads the run's stream from the start until the first event named {@code name}. */
  private static List<SseEvent> eventsSoFar(
      RunClient instance, String token, JsonNode run, String name) {
    try (SseStream stream = instance.openEvents(token, run, "", Map.of())) {
      awaitEvent(stream, name);
      return stream.received();
    }
  }

  private static SseEvent awaitEvent(SseStream stream, String name) {
    return awaitEvent(stream, name, Duration.ofSeconds(30));
  }

  private static SseEvent awaitEvent(SseStream stream, String name, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      SseEvent event = stream.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (event.name().equals(name)) {
        return event;
      }
    }
  }

  private static List<SseEvent> named(List<SseEvent> events, String name) {
    return events.stream().filter(event -> name.equals(event.name())).toList();
  }

  private static List<String> names(List<SseEvent> events) {
    return events.stream().map(SseEvent::name).toList();
  }
}
