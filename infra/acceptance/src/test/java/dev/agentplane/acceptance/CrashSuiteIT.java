package dev.agentplane.acceptance;

import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.acceptance.RunEventConsumer.ReceivedEvent;
import dev.agentplane.acceptance.WebhookReceiver.Delivery;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Request;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each service killed with SIGKILL, and started again, at the moments of the journey where a crash
 * hurts most: a tenant's high-risk payment tool (every call waits for a human) and an agent calling
 * it, promoted through review; an operator's production run, its call approved through the API or a
 * signed inbound webhook, the payment made, the run succeeded. After every crash each run ends as
 * it should, each payment is made once (the loopback payment API counts effects per {@code
 * Idempotency-Key}), each decision and review is recorded once, and an outside Kafka consumer holds
 * each run's whole history.
 *
 * <p>What an outside consumer of {@code agentplane.runs.events} can rely on (ARCHITECTURE.md §
 * Events: delivery at-least-once through the outbox, key = run id): every event of a run arrives,
 * first copies in sequence order; after a crash of the execution service some events may arrive a
 * second time, as exact copies (same CloudEvent {@code id}, same {@code data}) later in the
 * partition, so a consumer deduplicates on the CloudEvent id (or the run's {@code sequence}) and
 * needs no reordering. {@link #assertOutsideConsumerHoldsTheWholeRun} checks exactly that.
 */
@ExtendWith(PlatformLogsOnFailure.class)
class CrashSuiteIT {

  /** A restart takes 10–30 s on a busy machine; a takeover needs the 6 s lease to lapse too. */
  private static final Duration WITHIN = Duration.ofSeconds(90);

  /** A call through the gateway takes some 10–50 ms here; a kill lands somewhere in it. */
  private static final Duration KILL_WITHIN = Duration.ofMillis(120);

  private static final String APPROVE = "{\"decision\":\"approve\"}";

  private final Platform platform = Platform.get();
  private final Registry registry = new Registry(platform);
  private final Approvals approvals = new Approvals(platform);
  private final Runs runs = new Runs(platform);
  private CountingToolServer payments;

  @BeforeEach
  void everyServiceRunsAndAPaymentApiListens() {
    platform.ensureEveryServiceRuns();
    payments = CountingToolServer.start();
  }

  @AfterEach
  void closePaymentApi() {
    payments.close();
  }

  @Test
  void executionKilledDuringAnIdempotentCallRepeatsItWithItsKeyAndPaysOnce() {
    Tenant acme = aTenantWithAPayingAgent(true);
    payments.holdNext(1);
    String run = runs.start(acme.operator(), PAY_ACME);
    approveTheGateOf(acme, run);
    // The payment is made, its answer held: no worker has recorded it.
    awaitThePaymentHeld();

    ServiceProcess execution = platform.executionProcess();
    execution.kill();
    execution.ensureRunning();
    payments.release();

    assertSucceeded(acme, run);
    List<SseEvent> history = runs.history(acme.operator(), run);
    Runs.assertGapFree(history);
    List<SseEvent> started = named(history, "tool.started");
    assertThat(started).as("the call, started by the killed worker and the next").hasSize(2);
    String key = started.getFirst().path("idempotencyKey").asText();
    assertThat(started.getLast().path("idempotencyKey").asText()).isEqualTo(key);
    assertThat(names(history)).containsSubsequence("tool.started", "run.resumed", "tool.started");
    assertThat(named(history, "tool.succeeded")).hasSize(1);
    assertThat(payments.requestsWithKey(key))
        .as("made again with the same Idempotency-Key, which the API replayed")
        .extracting(Request::replayed)
        .containsExactly(false, true);
    assertThat(payments.effects()).as("one payment").hasSize(1);
    assertOutsideConsumerHoldsTheWholeRun(run, history);
  }

  @Test
  void executionKilledDuringANonIdempotentCallAsksAHumanBeforeCallingAgain() {
    Tenant acme = aTenantWithAPayingAgent(false);
    payments.holdNext(1);
    String run = runs.start(acme.operator(), PAY_ACME);
    String gate = approveTheGateOf(acme, run);
    awaitThePaymentHeld();

    ServiceProcess execution = platform.executionProcess();
    execution.kill();
    execution.ensureRunning();
    payments.release();

    JsonNode retry = approvals.awaitPendingToolCall(acme.approver(), run);
    String callId =
        approvals.awaitRequest(acme.approver(), gate).path("subject").path("toolCallId").asText();
    assertThat(retry.path("subject").path("toolCallId").asText())
        .as("a human is asked whether to call it again")
        .isEqualTo(callId + "#retry-1");
    String key = run + ":" + callId;
    assertThat(payments.requestsWithKey(key)).as("not repeated on its own").hasSize(1);
    approvals.decide(acme.approver(), retry.path("id").asText(), APPROVE);

    assertSucceeded(acme, run);
    assertThat(payments.requestsWithKey(key))
        .as("made again, with its key, once a human said so")
        .extracting(Request::replayed)
        .containsExactly(false, true);
    assertThat(payments.effects()).as("one payment").hasSize(1);
    List<SseEvent> history = runs.history(acme.operator(), run);
    Runs.assertGapFree(history);
    assertThat(names(history))
        .containsSubsequence(
            "tool.started",
            "run.resumed",
            "tool.approval_requested",
            "tool.approval_decided",
            "tool.started",
            "tool.succeeded",
            "run.succeeded");
    assertOutsideConsumerHoldsTheWholeRun(run, history);
  }

  @Test
  void executionKilledWhileARunWaitsResumesOnTheDecisionKafkaKeptForIt() {
    Tenant acme = aTenantWithAPayingAgent(true);
    String run = runs.start(acme.operator(), PAY_ACME);
    String gate = approvals.awaitPendingToolCall(acme.approver(), run).path("id").asText();
    runs.awaitStatus(acme.operator(), run, "waiting_approval");

    ServiceProcess execution = platform.executionProcess();
    execution.kill();
    approvals.decide(acme.approver(), gate, APPROVE);
    assertThat(payments.requests()).as("nobody paid while execution was down").isEmpty();
    execution.ensureRunning();

    assertSucceeded(acme, run);
    assertThat(payments.effects()).as("one payment").hasSize(1);
    List<SseEvent> history = runs.history(acme.operator(), run);
    Runs.assertGapFree(history);
    assertThat(names(history))
        .containsSubsequence(
            "tool.approval_requested",
            "tool.approval_decided",
            "tool.started",
            "tool.succeeded",
            "run.succeeded");
    assertThat(named(history, "tool.approval_decided")).hasSize(1);
    assertOutsideConsumerHoldsTheWholeRun(run, history);
  }

  @Test
  void approvalKilledWhileASignedDecisionArrivesRecordsItOnceWhenTheSenderRetries() {
    Tenant acme = aTenantWithAPayingAgent(true);
    String inboundSecret = approvals.inboundSecret(acme.admin());
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      String outboundSecret = approvals.subscribe(acme.admin(), receiver.url(), "approval.decided");
      String run = runs.start(acme.operator(), PAY_ACME);
      String gate = approvals.awaitPendingToolCall(acme.approver(), run).path("id").asText();
      String messageId = Approvals.newMessageId();
      String decision =
          ServiceApi.JSON
              .createObjectNode()
              .put("approvalId", gate)
              .put("decision", "approve")
              .set("approver", json("{'subject':'alice@acme.example','roles':['approver']}"))
              .toString();

      // The chat integration posts the decision just as the approval service dies.
      ServiceProcess approval = platform.approvalProcess();
      CrashedCall first =
          killDuring(
              approval,
              () -> approvals.signedDecision(acme.id(), inboundSecret, messageId, decision));
      approval.ensureRunning();

      // It retries the same message (same webhook-id, signed anew) until it is answered 200.
      Reply accepted =
          await("the signed decision to be accepted")
              .atMost(WITHIN)
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () ->
                      attempt(
                          () ->
                              approvals.signedDecision(
                                  acme.id(), inboundSecret, messageId, decision)),
                  reply -> reply.isPresent() && reply.get().status() != 502)
              .orElseThrow();
      assertThat(accepted.status()).as("%s; retry %s", first, accepted.raw()).isEqualTo(200);
      Reply replayed = approvals.signedDecision(acme.id(), inboundSecret, messageId, decision);
      assertThat(replayed.status()).as(replayed.raw()).isEqualTo(200);

      JsonNode decided = approvals.awaitRequest(acme.approver(), gate);
      assertThat(decided.path("status").asText()).isEqualTo("approved");
      assertThat(decided.path("decisions")).as(decided.toString()).hasSize(1);
      Reply audit = platform.gateway().get("/v1/approvals/" + gate + "/audit", acme.approver());
      assertThat(audit.status()).as(audit.raw()).isEqualTo(200);
      assertThat(audit.body().path("entries").findValuesAsText("action"))
          .as(audit.raw())
          .containsOnlyOnce("decision_recorded");

      assertSucceeded(acme, run);
      assertThat(payments.effects()).as("one payment").hasSize(1);
      List<SseEvent> history = runs.history(acme.operator(), run);
      Runs.assertGapFree(history);
      assertThat(named(history, "tool.approval_decided")).hasSize(1);
      assertOutsideConsumerHoldsTheWholeRun(run, history);

      // Outbound notices are at least once: the receiver deduplicates on webhook-id.
      List<Delivery> notices =
          await("the approval.decided notice")
              .atMost(WITHIN)
              .pollInterval(Duration.ofMillis(200))
              .until(() -> decidedNoticesOf(receiver, gate), found -> !found.isEmpty());
      assertThat(notices)
          .allSatisfy(notice -> assertThat(notice.signedWith(outboundSecret)).isTrue());
      assertThat(notices.stream().map(Delivery::id).distinct())
          .as("one notice for the one decision")
          .hasSize(1);
    }
  }

  @Test
  void registryKilledRightAfterAPromotionAnswerActivatesTheVersionOnceReviewed() {
    Tenant acme = Tenant.named("acme");
    registry.active(
        acme, "tools", "pay", PaymentFixtures.paymentTool(payments.url("/payments"), true));
    String agent = registry.draft("agents", acme.builder(), "payer", PaymentFixtures.payingAgent());
    Reply promoted = registry.promote("agents", acme.builder(), agent, 1);
    assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
    assertThat(promoted.body().path("outcome").asText()).isEqualTo("pending_approval");
    String review = promoted.body().path("approvalId").asText();

    // Killed at once: the review request may still be in the registry's outbox.
    ServiceProcess registryProcess = platform.registryProcess();
    registryProcess.kill();
    registryProcess.ensureRunning();

    approvals.awaitRequest(acme.approver(), review);
    approvals.decide(acme.approver(), review, APPROVE);
    registry.awaitStatus("agents", acme.builder(), agent, 1, "active");
    assertOneReviewAndOneActiveVersion(acme, agent, review);

    // The reviewed agent runs the journey: one run, one payment.
    String run = runs.start(acme.operator(), PAY_ACME);
    approveTheGateOf(acme, run);
    assertSucceeded(acme, run);
    assertThat(payments.effects()).hasSize(1);
    assertOutsideConsumerHoldsTheWholeRun(run, runs.history(acme.operator(), run));
  }

  @Test
  void registryKilledDuringAPromotionOpensOneReviewWhenTheBuilderRetries() {
    Tenant acme = Tenant.named("acme");
    registry.active(
        acme, "tools", "pay", PaymentFixtures.paymentTool(payments.url("/payments"), true));
    String agent = registry.draft("agents", acme.builder(), "payer", PaymentFixtures.payingAgent());

    ServiceProcess registryProcess = platform.registryProcess();
    CrashedCall first =
        killDuring(registryProcess, () -> registry.promote("agents", acme.builder(), agent, 1));
    registryProcess.ensureRunning();

    // The builder does not know whether it went through, so promotes again: either it did (the
    // version is no longer a draft) or this is the promotion.
    Reply retried =
        await("the promotion to be answered")
            .atMost(WITHIN)
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> attempt(() -> registry.promote("agents", acme.builder(), agent, 1)),
                reply -> reply.isPresent() && reply.get().status() != 502)
            .orElseThrow();
    if (first.answered(200)) {
      assertThat(retried.status()).as("%s; retry %s", first, retried.raw()).isEqualTo(409);
      assertThat(retried.problemSlug()).isEqualTo("version-not-draft");
    } else {
      assertThat(retried.status()).as("%s; retry %s", first, retried.raw()).isIn(200, 409);
    }
    JsonNode pending = registry.version("agents", acme.builder(), agent, 1).body();
    assertThat(pending.path("status").asText())
        .as(pending.toString())
        .isEqualTo("pending_approval");
    String review = pending.path("reviewApprovalId").asText();
    if (retried.status() == 200) {
      assertThat(retried.body().path("approvalId").asText()).isEqualTo(review);
    }

    approvals.awaitRequest(acme.approver(), review);
    approvals.decide(acme.approver(), review, APPROVE);
    registry.awaitStatus("agents", acme.builder(), agent, 1, "active");
    assertOneReviewAndOneActiveVersion(acme, agent, review);
  }

  @Test
  void gatewayKilledDuringAnEventStreamTheReconnectedStreamMissesNothing() {
    Tenant acme = aTenantWithAPayingAgent(true);
    String run = runs.start(acme.operator(), PAY_ACME);
    List<SseEvent> received = new ArrayList<>();
    try (SseStream before = runs.watch(acme.operator(), run, null)) {
      assertThat(before.status()).isEqualTo(200);
      SseEvent event;
      do {
        event = before.next(WITHIN);
      } while (!"tool.approval_requested".equals(event.name()));
      payments.holdNext(1);
      approveTheGateOf(acme, run);
      awaitThePaymentHeld();

      platform.gatewayProcess().kill();
      await("the stream to break with the gateway").atMost(WITHIN).until(before::ended);
      received.addAll(before.received());
    }
    // The run finishes while no gateway runs: the payment is answered, the model answers.
    payments.release();
    await("the run to end, as Kafka tells")
        .atMost(WITHIN)
        .until(
            () -> platform.kafkaRunEvents().eventsOf(run),
            events -> events.stream().anyMatch(e -> e.type().endsWith("run.succeeded")));
    platform.gatewayProcess().ensureRunning();

    String lastEventId = received.getLast().id();
    try (SseStream after = runs.watch(acme.operator(), run, lastEventId)) {
      assertThat(after.status()).isEqualTo(200);
      received.addAll(after.untilEnd(WITHIN));
    }
    Runs.assertGapFree(received);
    List<SseEvent> history = runs.history(acme.operator(), run);
    assertThat(received).as("the two streams together are the run's history").isEqualTo(history);
    assertThat(received.getLast().name()).isEqualTo("run.succeeded");
    assertSucceeded(acme, run);
    assertThat(payments.effects()).as("one payment").hasSize(1);
    assertOutsideConsumerHoldsTheWholeRun(run, history);
  }

  // ---- the journey

  private static final String PAY_ACME = "{\"agent\":\"payer\",\"input\":\"pay ACME\"}";

  /** A fresh tenant whose active agent {@code payer} pays ACME 42 through the tool {@code pay}. */
  private Tenant aTenantWithAPayingAgent(boolean idempotent) {
    Tenant acme = Tenant.named("acme");
    registry.active(
        acme, "tools", "pay", PaymentFixtures.paymentTool(payments.url("/payments"), idempotent));
    registry.active(acme, "agents", "payer", PaymentFixtures.payingAgent());
    return acme;
  }

  /** Approves the run's pending tool-call request through the API; returns its id. */
  private String approveTheGateOf(Tenant tenant, String run) {
    String gate = approvals.awaitPendingToolCall(tenant.approver(), run).path("id").asText();
    approvals.decide(tenant.approver(), gate, APPROVE);
    return gate;
  }

  private void awaitThePaymentHeld() {
    await("the payment to be made and its answer held")
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> payments.holding() == 1);
  }

  private void assertSucceeded(Tenant tenant, String run) {
    JsonNode ended = runs.awaitEnd(tenant.operator(), run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
  }

  // ---- what the crashes must not break

  private void assertOneReviewAndOneActiveVersion(Tenant tenant, String agent, String review) {
    Reply reviews =
        platform.gateway().get("/v1/approvals?kind=promotion&subject=" + agent, tenant.approver());
    assertThat(reviews.status()).as(reviews.raw()).isEqualTo(200);
    assertThat(reviews.body().path("items").findValuesAsText("id"))
        .as("one review request for the agent")
        .containsExactly(review);
    JsonNode decided = approvals.awaitRequest(tenant.approver(), review);
    assertThat(decided.path("decisions")).as(decided.toString()).hasSize(1);
    Reply resource = platform.gateway().get("/v1/agents/" + agent, tenant.builder());
    assertThat(resource.status()).as(resource.raw()).isEqualTo(200);
    assertThat(resource.body().path("activeVersion").asInt()).as(resource.raw()).isEqualTo(1);
    assertThat(resource.body().path("versions").findValuesAsText("status"))
        .as(resource.raw())
        .containsExactly("active");
  }

  /**
   * The outside consumer eventually holds sequences 1..N of the run, N its history's length, first
   * copies in order; a later copy of an event (redelivered after a crash) is the same CloudEvent.
   */
  private void assertOutsideConsumerHoldsTheWholeRun(String run, List<SseEvent> history) {
    List<Long> expected = LongStream.rangeClosed(1, history.size()).boxed().toList();
    List<ReceivedEvent> events =
        await("the outside consumer to hold run " + run + "'s " + history.size() + " events")
            .atMost(WITHIN)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> platform.kafkaRunEvents().eventsOf(run),
                received ->
                    received.stream().map(ReceivedEvent::sequence).distinct().count()
                        >= history.size());
    Map<Long, ReceivedEvent> firstCopies = new LinkedHashMap<>();
    for (ReceivedEvent event : events) {
      ReceivedEvent first = firstCopies.putIfAbsent(event.sequence(), event);
      if (first != null) {
        assertThat(event.id()).as("a redelivered event keeps its id").isEqualTo(first.id());
        assertThat(event.data()).isEqualTo(first.data());
      }
    }
    assertThat(firstCopies.keySet())
        .as("sequences in the order they first arrived")
        .containsExactlyElementsOf(expected);
    for (SseEvent seen : history) {
      assertThat(firstCopies.get(seen.seq()).data())
          .as("event %s on Kafka and in the history", seen.id())
          .isEqualTo(seen.data());
    }
  }

  // ---- crashing

  /**
   * What a client saw of a call during which a service was killed: the reply, or none when the
   * connection broke, and how long after the call began the kill came.
   */
  private record CrashedCall(Optional<Reply> reply, long killedAfterMillis) {

    boolean answered(int status) {
      return reply.isPresent() && reply.get().status() == status;
    }

    @Override
    public String toString() {
      return "killed "
          + killedAfterMillis
          + " ms into the call, which got "
          + reply.map(r -> r.status() + " " + r.raw()).orElse("no answer");
    }
  }

  /**
   * Makes {@code call} and kills {@code service} at a random moment of the next {@link
   * #KILL_WITHIN}: before the request arrives, during its transaction or just after, as the run
   * falls; every one of them must leave the call's effect whole once the client retried.
   */
  private static CrashedCall killDuring(ServiceProcess service, Supplier<Reply> call) {
    long killAfter = ThreadLocalRandom.current().nextLong(KILL_WITHIN.toMillis());
    CompletableFuture<Optional<Reply>> sent = CompletableFuture.supplyAsync(() -> attempt(call));
    try {
      // Not a wait for anything: it moves the crash along the call's life from run to run.
      Thread.sleep(killAfter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    service.kill();
    return new CrashedCall(sent.join(), killAfter);
  }

  // ---- small readers

  /**
   * Calls a client of the gateway that may meet no gateway, or no upstream: empty on I/O errors.
   */
  private static Optional<Reply> attempt(Supplier<Reply> call) {
    try {
      return Optional.of(call.get());
    } catch (UncheckedIOException gone) {
      return Optional.empty();
    }
  }

  private static List<Delivery> decidedNoticesOf(WebhookReceiver receiver, String approvalId) {
    return receiver.deliveries().stream()
        .filter(d -> "approval.decided".equals(d.type()))
        .filter(d -> approvalId.equals(d.json().path("data").path("id").asText()))
        .toList();
  }

  private static List<SseEvent> named(List<SseEvent> events, String name) {
    return events.stream().filter(event -> name.equals(event.name())).toList();
  }

  private static List<String> names(List<SseEvent> events) {
    return events.stream().map(SseEvent::name).toList();
  }
}
