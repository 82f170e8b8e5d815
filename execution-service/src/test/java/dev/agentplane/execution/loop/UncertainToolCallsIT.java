package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.support.ApprovalService;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.HangingHttpServer;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A tool call cut short by its worker losing the run (a crash, a pause past its lease) may or may
 * not have happened. The next worker repeats it only when that is safe (an idempotent http tool,
 * with the same {@code Idempotency-Key}); otherwise the call's outcome is unknown and, per the
 * agent's {@code onUnknownOutcome}, a human decides whether to retry ({@code ask}) or the run fails
 * ({@code fail}).
 *
 * <p>The worker's loss is made real: while the tool's HTTP request hangs, the test expires the
 * lease and claims the run as another worker would, so the original worker loses its lease at its
 * next renewal and abandons the call; the test then lets go, and this instance's workers take the
 * run over as after a crash.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UncertainToolCallsIT extends ExecutionTestSupport {

  private static final Duration SOON = Duration.ofSeconds(30);

  @Inject RunJournal journal;
  @Inject JdbcOperations jdbc;
  @Inject TransactionOperations<Connection> transactions;

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.workers.renew-every", "200ms");
  }

  @Test
  void anIdempotentHttpCallIsRepeatedWithTheSameIdempotencyKeyWithoutAskingAnyone() {
    try (HangingHttpServer server = HangingHttpServer.start()) {
      String tenant = newTenant();
      JsonNode run = runCallingPost(tenant, server, true, null);
      takeOverMidCall(tenant, run, server);
      server.answerNow();

      JsonNode ended = awaitEnd(operator(tenant), run);

      assertThat(ended.path("status").asText()).isEqualTo("succeeded");
      assertThat(server.requestLines()).hasSize(2).allMatch(line -> line.startsWith("POST /pay"));
      assertThat(server.headerValues("Idempotency-Key"))
          .containsExactly(idempotencyKey(tenant, run), idempotencyKey(tenant, run));
      List<SseEvent> events = events(operator(tenant), run);
      assertThat(names(events)).doesNotContain("tool.approval_requested");
      assertThat(named(events, "tool.started"))
          .hasSize(2)
          .allSatisfy(
              started ->
                  assertThat(started.data().path("idempotencyKey").asText())
                      .isEqualTo(idempotencyKey(tenant, run)));
    }
  }

  @Test
  void aNonIdempotentCallIsNotRepeatedUntilAHumanSaysSoAndThenKeepsItsKey() {
    try (HangingHttpServer server = HangingHttpServer.start()) {
      String tenant = newTenant();
      String token = operator(tenant);
      JsonNode run = runCallingPost(tenant, server, false, null);
      takeOverMidCall(tenant, run, server);

      awaitStatus(token, run, "waiting_approval", SOON);
      assertThat(server.requestLines()).as("not repeated on its own").hasSize(1);
      String retryGate =
          lastEvent(tenant, run, "tool.approval_requested").path("toolCallId").asText();
      assertThat(retryGate)
          .isEqualTo(
              lastEvent(tenant, run, "tool.started").path("toolCallId").asText() + "#retry-1");
      server.answerNow();

      ApprovalService.publish(
          ApprovalService.decision(
              tenant, runId(run), retryGate, ApprovalOutcome.APPROVED, null, null, "checked"));

      assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
      assertThat(server.requestLines()).hasSize(2);
      assertThat(server.headerValues("Idempotency-Key"))
          .containsExactly(idempotencyKey(tenant, run), idempotencyKey(tenant, run));
    }
  }

  @Test
  void aRefusedRetryTellsTheModelTheOutcomeIsUnknown() {
    try (HangingHttpServer server = HangingHttpServer.start()) {
      String tenant = newTenant();
      String token = operator(tenant);
      JsonNode run = runCallingPost(tenant, server, false, null);
      takeOverMidCall(tenant, run, server);
      awaitStatus(token, run, "waiting_approval", SOON);
      String retryGate =
          lastEvent(tenant, run, "tool.approval_requested").path("toolCallId").asText();

      ApprovalService.publish(
          ApprovalService.decision(
              tenant,
              runId(run),
              retryGate,
              ApprovalOutcome.REJECTED,
              null,
              null,
              "the payment went through, I checked"));

      assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("succeeded");
      assertThat(server.requestLines()).hasSize(1);
      SseEvent failed = named(events(token, run), "tool.failed").getFirst();
      assertThat(failed.data().path("errorCode").asText()).isEqualTo("outcome_unknown");
      assertThat(failed.data().path("message").asText())
          .contains("the payment went through, I checked");
    }
  }

  @Test
  void withOnUnknownOutcomeFailTheRunFailsInsteadOfRepeatingTheCall() {
    try (HangingHttpServer server = HangingHttpServer.start()) {
      String tenant = newTenant();
      String token = operator(tenant);
      JsonNode run = runCallingPost(tenant, server, false, "{'onUnknownOutcome': 'fail'}");
      takeOverMidCall(tenant, run, server);

      JsonNode ended = awaitEnd(token, run);

      assertThat(ended.path("status").asText()).isEqualTo("failed");
      assertThat(ended.path("error").path("code").asText()).isEqualTo("outcome_unknown");
      assertThat(server.requestLines()).hasSize(1);
    }
  }

  /** Starts a run whose one step calls {@code POST /pay} on {@code server}. */
  private JsonNode runCallingPost(
      String tenant, HangingHttpServer server, boolean idempotent, String policy) {
    registry.activeTool(
        tenant,
        "pay",
        json(
            "{'description':'Pays','type':'http','http':{'method':'POST','url':'"
                + server.url("/pay")
                + "','timeoutMs':60000,'idempotent':"
                + idempotent
                + "},'inputSchema':{'type':'object'},'risk':'low','approval':'never'}"));
    var agent = aScriptedAgent().tools("pay").calls("pay", "{'amount': 5}").answers("'paid'");
    if (policy != null) {
      agent.policy(policy);
    }
    registry.activeAgent(tenant, "payer", agent.build());
    return start(operator(tenant), "{\"agent\":\"payer\",\"input\":\"pay\"}");
  }

  /**
   * Once the call reached the server: claims the run as another worker whose predecessor's lease
   * lapsed, waits for the original worker to abandon the call, then lets go as a crashed worker
   * would, for this instance's workers to take the run over.
   */
  private void takeOverMidCall(String tenant, JsonNode run, HangingHttpServer server) {
    await("the call to reach the server")
        .atMost(SOON)
        .until(() -> server.requestLines().size() == 1);
    UUID runId = runId(run);
    // Expiring the lease and claiming are two transactions, and the first worker's renewal (every
    // 200 ms) may extend the lease between them: then expire it again, as a longer pause would.
    Run claimed =
        await("the run claimed by another worker once its lease lapsed")
            .atMost(SOON)
            .until(
                () -> {
                  expireLease(tenant, runId);
                  return journal.claim(tenant, runId, "another-worker", Duration.ofMinutes(5));
                },
                Optional::isPresent)
            .orElseThrow();
    await("the first worker to abandon the call")
        .atMost(SOON)
        .until(() -> server.abortedByClient() == 1);
    journal.release(
        List.of(
            new Lease(
                claimed.id(),
                claimed.tenantId(),
                claimed.agentId(),
                "another-worker",
                claimed.epoch())));
  }

  private void expireLease(String tenant, UUID runId) {
    TenantScope.call(
        tenant,
        () ->
            transactions.executeWrite(
                status ->
                    jdbc.prepareStatement(
                        "UPDATE run SET lease_expires_at = now() - interval '1 second' WHERE id = ?",
                        statement -> {
                          statement.setObject(1, runId);
                          return statement.executeUpdate();
                        })));
  }

  /** The data of the run's latest event named {@code name}, once there is one. */
  private JsonNode lastEvent(String tenant, JsonNode run, String name) {
    return await("a " + name + " event")
        .atMost(SOON)
        .until(
            () ->
                TenantScope.call(
                    tenant,
                    () ->
                        transactions.executeRead(
                            status ->
                                jdbc.prepareStatement(
                                    "SELECT data::text FROM run_event WHERE run_id = ? AND type = ?"
                                        + " ORDER BY seq DESC LIMIT 1",
                                    statement -> {
                                      statement.setObject(1, runId(run));
                                      statement.setString(2, name);
                                      try (var rows = statement.executeQuery()) {
                                        return rows.next()
                                            ? Optional.of(json(rows.getString(1)))
                                            : Optional.<JsonNode>empty();
                                      }
                                    }))),
            Optional::isPresent)
        .orElseThrow();
  }

  private String idempotencyKey(String tenant, JsonNode run) {
    return run.path("id").asText()
        + ":"
        + lastEvent(tenant, run, "tool.started").path("toolCallId").asText();
  }

  private static UUID runId(JsonNode run) {
    return UUID.fromString(run.path("id").asText());
  }
}
