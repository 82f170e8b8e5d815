package dev.agentplane.execution.gate;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.loop.RunWorkers;
import dev.agentplane.execution.support.ApprovalService;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ScriptedAgent;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Gated tool calls end to end on real PostgreSQL and Kafka: a gated call parks its run and asks for
 * an approval on {@code agentplane.approvals.requested}; the decision, arriving on {@code
 * agentplane.approvals.decided} as the approval service publishes it, resumes the run on any
 * worker, exactly once.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ToolGatesIT extends ExecutionTestSupport {

  private static final Duration SOON = Duration.ofSeconds(30);

  @Inject ToolGates gates;
  @Inject TransactionOperations<Connection> transactions;
  @Inject RunWorkers workers;
  @Inject JdbcOperations jdbc;

  private KafkaConsumer<String, byte[]> requestReader;
  private final List<ConsumerRecord<String, byte[]>> requests = new ArrayList<>();

  @BeforeAll
  void readApprovalRequests() {
    requestReader = TestKafka.get().newConsumer();
    List<TopicPartition> partitions =
        requestReader.partitionsFor(Topics.APPROVALS_REQUESTED).stream()
            .map(info -> new TopicPartition(Topics.APPROVALS_REQUESTED, info.partition()))
            .toList();
    requestReader.assign(partitions);
    requestReader.seekToBeginning(partitions);
  }

  @AfterAll
  void close() {
    requestReader.close();
  }

  @Test
  void anApprovedCallWithEditedArgumentsIsMadeWithTheEditsAndTheRunSucceeds() {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.gated(ToolSpecs.echo(), "'always'"));
    registry.activeAgent(
        tenant,
        "payer",
        aScriptedAgent()
            .tools("echo")
            .calls("echo", "{'amount': 900, 'to': 'ACME'}")
            .answers("'paid'")
            .build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"payer\",\"input\":\"pay ACME\"}");

    JsonNode waiting = awaitStatus(token, run, "waiting_approval", SOON);
    SseEvent asked = firstEvent(token, run, "tool.approval_requested");
    String callId = asked.data().path("toolCallId").asText();
    UUID approvalId = UUID.fromString(asked.data().path("approvalId").asText());
    assertThat(asked.data().path("toolName").asText()).isEqualTo("echo");
    assertThat(approvalId).isEqualTo(Gate.approvalIdOf(runId(run), callId));
    assertThat(workers.executing(runId(run))).as("no worker holds a parked run").isFalse();
    assertThat(waiting.path("steps").asInt()).isEqualTo(1);

    ApprovalRequested request = awaitApprovalRequest(runId(run), callId);
    assertThat(request.approvalId()).isEqualTo(approvalId);
    assertThat(request.tenantId()).isEqualTo(tenant);
    assertThat(request.kind()).isEqualTo(ApprovalKind.TOOL_CALL);
    assertThat(request.subject()).isEqualTo(ApprovalSubject.toolCall(runId(run), callId));
    assertThat(request.requestedBy().subject()).isEqualTo(operatorSubject(tenant));
    assertThat(request.context().path("toolName").asText()).isEqualTo("echo");
    assertThat(request.context().path("arguments")).isEqualTo(json("{'amount':900,'to':'ACME'}"));
    assertThat(request.context().path("inputSchema")).isEqualTo(json("{'type':'object'}"));
    assertThat(request.context().path("risk").asText()).isEqualTo("low");
    assertThat(request.policy().requiredApprovals()).isEqualTo(1);
    assertThat(request.policy().excludeRequester()).isTrue();
    assertThat(request.policy().expiresAt()).isAfter(Instant.now());

    ApprovalService.publish(
        decision(
            tenant,
            run,
            callId,
            ApprovalOutcome.APPROVED,
            json("{'amount':100,'to':'ACME'}"),
            json("[{'op':'replace','path':'/amount','value':100}]"),
            "capped"));

    JsonNode ended = awaitEnd(token, run);
    assertThat(ended.path("status").asText()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("paid");
    List<SseEvent> events = events(token, run);
    assertThat(names(events))
        .containsSubsequence(
            "tool.approval_requested",
            "tool.approval_decided",
            "run.resumed",
            "tool.started",
            "tool.succeeded",
            "run.succeeded");
    JsonNode decided = named(events, "tool.approval_decided").getFirst().data();
    assertThat(decided.path("outcome").asText()).isEqualTo("APPROVED");
    assertThat(decided.path("argumentsDiff"))
        .isEqualTo(json("[{'op':'replace','path':'/amount','value':100}]"));
    assertThat(decided.path("decidedBy").get(0).asText()).isEqualTo("approver-1");
    assertThat(named(events, "tool.started").getFirst().data().path("arguments"))
        .isEqualTo(json("{'amount':100,'to':'ACME'}"));
    assertThat(named(events, "tool.succeeded").getFirst().data().path("resultSummary").asText())
        .contains("100")
        .doesNotContain("900");
  }

  @Test
  void aRejectionGoesBackToTheModelWithItsReasonAndTheLoopGoesOn() {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.gated(ToolSpecs.echo(), "'always'"));
    registry.activeAgent(
        tenant,
        "deleter",
        aScriptedAgent()
            .tools("echo")
            .calls("echo", "{'delete': 'everything'}")
            .answers("'understood'")
            .build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"deleter\",\"input\":\"clean up\"}");
    awaitStatus(token, run, "waiting_approval", SOON);
    String callId =
        firstEvent(token, run, "tool.approval_requested").data().path("toolCallId").asText();

    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.REJECTED, null, null, "Not on a Friday"));

    JsonNode ended = awaitEnd(token, run);
    assertThat(ended.path("status").asText()).isEqualTo("succeeded");
    List<SseEvent> events = events(token, run);
    assertThat(names(events)).doesNotContain("tool.started", "tool.succeeded");
    JsonNode failed = named(events, "tool.failed").getFirst().data();
    assertThat(failed.path("errorCode").asText()).isEqualTo("approval_rejected");
    assertThat(failed.path("message").asText()).contains("Not on a Friday");
    assertThat(lastCheckpointMessages(token, run).toString())
        .as("the model's next turn saw the reason")
        .contains("approval_rejected")
        .contains("Not on a Friday");
  }

  @Test
  void anExpiredRequestEndsTheCallAsRejected() {
    Parked parked = parkedOnOneGatedEcho(aScriptedAgent().calls("echo", "{}").answers("'gave up'"));
    String tenant = parked.tenant();
    String token = parked.token();
    JsonNode run = parked.run();
    String callId = parked.callId();

    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.EXPIRED, null, null, null));

    assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
    JsonNode failed = named(events(token, run), "tool.failed").getFirst().data();
    assertThat(failed.path("errorCode").asText()).isEqualTo("approval_expired");
  }

  @Test
  void parallelGatedCallsAreDecidedIndependentlyInAnyOrderWhileUngatedOnesRunAtOnce() {
    String tenant = newTenant();
    // Gated only for amounts over 500: one call of the turn waits, the other does not.
    registry.activeTool(
        tenant,
        "transfer",
        ToolSpecs.gated(
            ToolSpecs.echo(),
            "{'type':'object','properties':{'amount':{'type':'number','exclusiveMinimum':500}},"
                + "'required':['amount']}"));
    registry.activeTool(tenant, "wipe", ToolSpecs.highRisk(ToolSpecs.echo()));
    registry.activeAgent(
        tenant,
        "busy",
        aScriptedAgent()
            .tools("transfer", "wipe")
            .callsAtOnce(
                "transfer", "{'amount': 1000, 'to': 'A'}",
                "transfer", "{'amount': 10, 'to': 'B'}",
                "wipe", "{'disk': 'C'}")
            .answers("'done'")
            .build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"busy\",\"input\":\"go\"}");
    awaitStatus(token, run, "waiting_approval", SOON);
    List<SseEvent> asked = eventsSoFar(token, run, "tool.approval_requested", 2);
    String bigTransfer = callIdOf(asked, "transfer");
    String wipe = callIdOf(asked, "wipe");
    // The small transfer ran before anyone decided anything.
    List<SseEvent> before = eventsSoFar(token, run, "tool.succeeded", 1);
    assertThat(before.getFirst().data().path("resultSummary").asText()).contains("\"B\"");

    // Decided in the reverse order of the calls; the run waits until both are decided.
    ApprovalService.publish(
        decision(tenant, run, wipe, ApprovalOutcome.REJECTED, null, null, "never wipe C"));
    await("the first decision to reach the run")
        .atMost(SOON)
        .until(() -> gateStatus(tenant, run, wipe), GateStatus.REJECTED::equals);
    assertThat(get(token, "/v1/runs/" + run.path("id").asText()).path("status").asText())
        .isEqualTo("waiting_approval");
    ApprovalService.publish(
        decision(
            tenant,
            run,
            bigTransfer,
            ApprovalOutcome.APPROVED,
            json("{'amount': 999, 'to': 'A'}"),
            json("[{'op':'replace','path':'/amount','value':999}]"),
            null));

    assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
    List<SseEvent> events = events(token, run);
    assertThat(named(events, "tool.succeeded"))
        .extracting(event -> event.data().path("toolCallId").asText())
        .hasSize(2)
        .contains(bigTransfer)
        .doesNotContain(wipe);
    SseEvent transferred =
        named(events, "tool.succeeded").stream()
            .filter(event -> event.data().path("toolCallId").asText().equals(bigTransfer))
            .findFirst()
            .orElseThrow();
    assertThat(transferred.data().path("resultSummary").asText()).contains("999");
    SseEvent refused = named(events, "tool.failed").getFirst();
    assertThat(refused.data().path("toolCallId").asText()).isEqualTo(wipe);
    assertThat(refused.data().path("message").asText()).contains("never wipe C");
    assertThat(named(events, "run.resumed")).as("one continuation").hasSize(1);
  }

  @Test
  void aDecisionDeliveredTwiceOrDecidedAgainHasNoSecondEffect() {
    Parked parked =
        parkedOnOneGatedEcho(aScriptedAgent().calls("echo", "{'n': 1}").answers("'ok'"));
    String tenant = parked.tenant();
    String token = parked.token();
    JsonNode run = parked.run();
    String callId = parked.callId();
    ApprovalDecided approve =
        decision(tenant, run, callId, ApprovalOutcome.APPROVED, null, null, null);

    ApprovalService.publish(approve);
    ApprovalService.publish(approve);
    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.REJECTED, null, null, "too late"));
    assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
    // A decision published after the last one above must be seen too: the listener is caught up.
    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.REJECTED, null, null, "later still"));
    await("the listener to record the last decision")
        .atMost(SOON)
        .until(() -> processed(tenant) >= 3);

    List<SseEvent> events = events(token, run);
    assertThat(named(events, "tool.approval_decided")).hasSize(1);
    assertThat(named(events, "tool.approval_decided").getFirst().data().path("outcome").asText())
        .isEqualTo("APPROVED");
    assertThat(named(events, "tool.started")).hasSize(1);
    assertThat(named(events, "run.resumed")).hasSize(1);
    assertThat(gateStatus(tenant, run, callId)).isEqualTo(GateStatus.APPROVED);
  }

  @Test
  void twoDecisionsRacingForTheLastGatesOfARunQueueItOnce() throws Exception {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.gated(ToolSpecs.echo(), "'always'"));
    registry.activeAgent(
        tenant,
        "racer",
        aScriptedAgent()
            .tools("echo")
            .callsAtOnce("echo", "{'n': 1}", "echo", "{'n': 2}")
            .answers("'ok'")
            .build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"racer\",\"input\":\"go\"}");
    awaitStatus(token, run, "waiting_approval", SOON);
    List<SseEvent> asked = eventsSoFar(token, run, "tool.approval_requested", 2);
    CyclicBarrier together = new CyclicBarrier(2);
    List<CompletableFuture<Optional<UUID>>> racing = new ArrayList<>();
    for (SseEvent request : asked) {
      ApprovalDecided approve =
          decision(
              tenant,
              run,
              request.data().path("toolCallId").asText(),
              ApprovalOutcome.APPROVED,
              null,
              null,
              null);
      racing.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  together.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                // As the decision listener does: in the scope of the event's tenant.
                return TenantScope.call(
                    tenant, () -> transactions.executeWrite(status -> gates.decide(approve)));
              }));
    }

    List<Optional<UUID>> queued = racing.stream().map(CompletableFuture::join).toList();
    assertThat(queued.stream().filter(Optional::isPresent))
        .as("exactly one decision queued the run")
        .hasSize(1);
    assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
    List<SseEvent> events = events(token, run);
    assertThat(named(events, "tool.succeeded")).hasSize(2);
    assertThat(named(events, "run.resumed")).hasSize(1);
  }

  @Test
  void cancellingAWaitingRunEndsItAtOnceAndALateDecisionChangesNothing() {
    Parked parked = parkedOnOneGatedEcho(aScriptedAgent().calls("echo", "{}").answers("'no'"));
    String tenant = parked.tenant();
    String token = parked.token();
    JsonNode run = parked.run();
    String callId = parked.callId();

    Reply cancelled =
        api()
            .post(
                "/v1/runs/" + run.path("id").asText() + "/cancel", token, "{\"reason\":\"nope\"}");
    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(202);
    assertThat(cancelled.body().path("status").asText())
        .as("a parked run has no worker to wait for: it ends at once")
        .isEqualTo("cancelled");
    assertThat(gateStatus(tenant, run, callId)).isEqualTo(GateStatus.CANCELLED);

    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.APPROVED, null, null, null));
    await("the late decision to be consumed").atMost(SOON).until(() -> processed(tenant) >= 1);
    assertThat(get(token, "/v1/runs/" + run.path("id").asText()).path("status").asText())
        .isEqualTo("cancelled");
    List<SseEvent> events = events(token, run);
    assertThat(names(events)).doesNotContain("tool.approval_decided", "tool.started");
    assertThat(events.getLast().name()).isEqualTo("run.cancelled");
    assertThat(gateStatus(tenant, run, callId)).isEqualTo(GateStatus.CANCELLED);
  }

  @Test
  void timeSpentWaitingForAHumanIsNotChargedToTheRunsTimeLimit() {
    Parked parked =
        parkedOnOneGatedEcho(
            // Seconds enough for the steps before and after the wait on a loaded machine.
            aScriptedAgent().calls("echo", "{}").answers("'fine'").policy("{'timeoutSeconds': 4}"));
    String tenant = parked.tenant();
    String token = parked.token();
    JsonNode run = parked.run();
    String callId = parked.callId();
    Instant parkedAt = Instant.now();
    // The run's four seconds pass while it is parked; nothing may time it out meanwhile.
    await("the run's time limit to pass while parked")
        .pollDelay(Duration.ofMillis(5000))
        .atMost(Duration.ofSeconds(10))
        .until(() -> Duration.between(parkedAt, Instant.now()).toMillis() >= 5000);
    assertThat(get(token, "/v1/runs/" + run.path("id").asText()).path("status").asText())
        .isEqualTo("waiting_approval");

    ApprovalService.publish(
        decision(tenant, run, callId, ApprovalOutcome.APPROVED, null, null, null));

    assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
  }

  /** A run of a new tenant parked on a call of {@code echo}, which always needs approval. */
  private record Parked(String tenant, String token, JsonNode run, String callId) {}

  /** Starts a run of {@code agent} (which calls {@code echo}) and waits for it to park. */
  private Parked parkedOnOneGatedEcho(ScriptedAgent agent) {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.gated(ToolSpecs.echo(), "'always'"));
    registry.activeAgent(tenant, "gated", agent.tools("echo").build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"gated\",\"input\":\"go\"}");
    awaitStatus(token, run, "waiting_approval", SOON);
    String callId =
        firstEvent(token, run, "tool.approval_requested").data().path("toolCallId").asText();
    return new Parked(tenant, token, run, callId);
  }

  private static ApprovalDecided decision(
      String tenant,
      JsonNode run,
      String callId,
      ApprovalOutcome outcome,
      JsonNode finalArguments,
      JsonNode diff,
      String reason) {
    return ApprovalService.decision(
        tenant, runId(run), callId, outcome, finalArguments, diff, reason);
  }

  private static UUID runId(JsonNode run) {
    return UUID.fromString(run.path("id").asText());
  }

  private static String callIdOf(List<SseEvent> asked, String toolName) {
    return asked.stream()
        .filter(event -> event.data().path("toolName").asText().equals(toolName))
        .map(event -> event.data().path("toolCallId").asText())
        .findFirst()
        .orElseThrow();
  }

  private SseEvent firstEvent(String token, JsonNode run, String name) {
    return eventsSoFar(token, run, name, 1).getFirst();
  }

  /** Reads the run's stream from the start until {@code count} events named {@code name} came. */
  private List<SseEvent> eventsSoFar(String token, JsonNode run, String name, int count) {
    List<SseEvent> found = new ArrayList<>();
    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      while (found.size() < count) {
        SseEvent event = stream.next(SOON);
        assertThat(event).as("a " + name + " event").isNotNull();
        if (event.name().equals(name)) {
          found.add(event);
        }
      }
    }
    return found;
  }

  private JsonNode lastCheckpointMessages(String token, JsonNode run) {
    JsonNode checkpoints = get(token, "/v1/runs/" + run.path("id").asText() + "/checkpoints");
    return checkpoints.get(checkpoints.size() - 1).path("state").path("messages");
  }

  private GateStatus gateStatus(String tenant, JsonNode run, String callId) {
    return TenantScope.call(
        tenant,
        () -> transactions.executeRead(status -> gates.ofRun(runId(run)).get(callId).status()));
  }

  private ApprovalRequested awaitApprovalRequest(UUID runId, String callId) {
    String key = ApprovalSubject.toolCall(runId, callId).key();
    ConsumerRecord<String, byte[]> record =
        await("the approval request keyed " + key)
            .atMost(SOON)
            .pollInSameThread()
            .until(
                () -> {
                  requestReader.poll(Duration.ofMillis(200)).forEach(requests::add);
                  return requests.stream().filter(r -> key.equals(r.key())).findFirst();
                },
                Optional::isPresent)
            .orElseThrow();
    return EventEnvelope.unwrap(EventEnvelope.fromKafka(record), ApprovalRequested.class);
  }

  /** How many decisions of the tenant the gate listener recorded as processed. */
  private long processed(String tenant) {
    return TenantScope.call(
        tenant,
        () ->
            transactions.executeRead(
                status ->
                    jdbc.prepareStatement(
                        "SELECT count(*) FROM processed_event WHERE consumer = ? AND tenant_id = ?",
                        statement -> {
                          statement.setString(1, GateDecisionListener.CONSUMER);
                          statement.setString(2, tenant);
                          try (var rows = statement.executeQuery()) {
                            rows.next();
                            return rows.getLong(1);
                          }
                        })));
  }
}
