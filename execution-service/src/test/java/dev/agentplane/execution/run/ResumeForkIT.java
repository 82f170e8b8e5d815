package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.sleepingThenAnswering;
import static dev.agentplane.execution.support.FakeOpenAiServer.sse;
import static dev.agentplane.execution.support.FakeOpenAiServer.status;
import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.testkit.OpenAiChunks.finishChunk;
import static dev.agentplane.testkit.OpenAiChunks.textChunk;
import static dev.agentplane.testkit.OpenAiChunks.toolCallArguments;
import static dev.agentplane.testkit.OpenAiChunks.toolCallStart;
import static dev.agentplane.testkit.OpenAiChunks.usageChunk;
import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.FakeOpenAiServer;
import dev.agentplane.execution.support.FakeOpenAiServer.Received;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Resume ({@code POST /v1/runs/{id}/resume}: a failed or timed-out run continues from its last
 * checkpoint) and fork ({@code POST /v1/runs/{id}/fork}: a new debug run from any checkpoint of a
 * run), with who may do either, the audit trail both leave, and the refusals. Model outages and
 * slow models are played by a fake OpenAI-compatible server on loopback.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeForkIT extends ExecutionTestSupport {

  private static final String KEY_SECRET = "OPENAI_KEY";
  private static final long LONG_NAP_MS = 20_000;

  @Override
  protected Map<String, String> settings() {
    // One attempt per model call: a single 5xx from the fake server is an outage that fails the
    // run.
    return Map.of("agentplane.execution.models.openai.attempts", "1");
  }

  @Test
  void aRunFailedByAProviderOutageResumesFromItsLastCheckpointAndSucceeds() {
    String tenant = newTenant();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenAnOpenAiCalculatorAgent(tenant, openAi, null);
      openAi.answer(calculatorCall("call_product", "6 * 7"));
      openAi.answer(status(500));
      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"What is 6 * 7?\"}");
      JsonNode failed = awaitEnd(token, run);
      assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("failed");
      assertThat(failed.path("error").path("code").asText()).isEqualTo("model_unavailable");
      JsonNode checkpointsBefore = get(token, pathOf(run) + "/checkpoints");
      assertThat(checkpointsBefore).hasSize(2);

      openAi.answer(sse(textChunk("6 * 7 is 42.", true), finishChunk("stop"), usageChunk(60, 8)));
      Reply resumed =
          api().post(pathOf(run) + "/resume", token, "{\"reason\":\"the provider is back\"}");

      assertThat(resumed.status()).as(resumed.raw()).isEqualTo(202);
      assertThat(resumed.body().path("status").asText()).isEqualTo("queued");
      assertThat(resumed.body().has("error")).isFalse();
      assertThat(resumed.body().has("finishedAt")).isFalse();
      JsonNode ended = awaitEnd(token, run);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("6 * 7 is 42.");
      assertThat(ended.path("steps").asInt())
          .as("model, tool, and the model call again")
          .isEqualTo(3);
      assertThat(ended.has("error")).isFalse();

      List<Received> received = openAi.received();
      assertThat(received).hasSize(3);
      assertThat(received.get(2).body().path("messages"))
          .as("the continuation asks what the failed call asked: the conversation so far")
          .isEqualTo(received.get(1).body().path("messages"));
      assertThat(received.get(2).body().path("messages"))
          .extracting(message -> message.path("role").asText())
          .containsExactly("system", "user", "assistant", "tool");

      List<SseEvent> events = events(token, run);
      assertThat(names(events))
          .containsSubsequence("run.started", "run.failed", "run.resumed", "run.succeeded")
          .endsWith("run.succeeded");
      assertThat(named(events, "run.resumed")).hasSize(1);
      assertThat(named(events, "run.started")).hasSize(1);
      assertThat(named(events, "tool.started")).as("the tool call is not repeated").hasSize(1);
      assertThat(named(events, "step.started").getLast().path("step").asInt()).isEqualTo(3);

      JsonNode checkpoints = get(token, pathOf(run) + "/checkpoints");
      assertThat(seqs(checkpoints)).containsExactly(1, 2, 3);
      assertThat(parentSeqs(checkpoints)).containsExactly(null, 1, 2);
      assertThat(List.of(checkpoints.get(0), checkpoints.get(1)))
          .as("the earlier checkpoints are kept as they were")
          .containsExactly(checkpointsBefore.get(0), checkpointsBefore.get(1));

      JsonNode audit = get(token, pathOf(run) + "/audit");
      assertThat(audit).hasSize(1);
      JsonNode entry = audit.get(0);
      assertThat(entry.path("action").asText()).isEqualTo("resume");
      assertThat(entry.path("by").asText()).isEqualTo(operatorSubject(tenant));
      assertThat(entry.path("principalType").asText()).isEqualTo("user");
      assertThat(entry.path("reason").asText()).isEqualTo("the provider is back");
      assertThat(entry.path("at").asText()).isNotBlank();
      assertThat(entry.path("details").path("fromStatus").asText()).isEqualTo("failed");
      assertThat(entry.path("details").path("errorCode").asText()).isEqualTo("model_unavailable");
      assertThat(entry.path("details").path("fromSeq").asInt()).isEqualTo(2);
    }
  }

  @Test
  void aRunThatTimedOutWaitingForASlowModelResumesWithAFreshDeadline() {
    String tenant = newTenant();
    CountDownLatch release = new CountDownLatch(1);
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      // Time for the first model call and the calculator's on a loaded machine: the deadline must
      // come while the second call hangs.
      givenAnOpenAiCalculatorAgent(tenant, openAi, "{'timeoutSeconds':5}");
      openAi.answer(calculatorCall("call_sum", "40 + 2"));
      openAi.answer(FakeOpenAiServer.slowStream(textChunk("Let me think", true), release));
      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"What is 40 + 2?\"}");
      JsonNode timedOut = awaitEnd(token, run);
      release.countDown();
      assertThat(timedOut.path("status").asText()).as(timedOut.toString()).isEqualTo("timed_out");

      openAi.answer(sse(textChunk("40 + 2 is 42.", true), finishChunk("stop")));
      Reply resumed = api().post(pathOf(run) + "/resume", token, "");

      assertThat(resumed.status()).as(resumed.raw()).isEqualTo(202);
      JsonNode ended = awaitEnd(token, run);
      assertThat(ended.path("status").asText())
          .as("a deadline left over from the first attempt would end it at once: " + ended)
          .isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("40 + 2 is 42.");
      List<Received> received = openAi.received();
      assertThat(received).hasSize(3);
      assertThat(received.get(2).body().path("messages"))
          .isEqualTo(received.get(1).body().path("messages"));
      assertThat(names(events(token, run)))
          .containsSubsequence("run.timed_out", "run.resumed", "run.succeeded");
      assertThat(seqs(get(token, pathOf(run) + "/checkpoints"))).containsExactly(1, 2, 3);
      assertThat(
              get(token, pathOf(run) + "/audit").get(0).path("details").path("fromStatus").asText())
          .isEqualTo("timed_out");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aRunThatIsRunningSucceededOrWasCancelledIsNotResumable() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(LONG_NAP_MS, "rested"));
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    JsonNode napping = start(token, "{\"agent\":\"napper\",\"input\":{}}");
    awaitStatus(token, napping, "running");

    assertNotResumable(token, napping, "running");
    assertThat(api().post(pathOf(napping) + "/cancel", token, "").status()).isEqualTo(202);
    assertThat(awaitEnd(token, napping).path("status").asText()).isEqualTo("cancelled");
    assertNotResumable(token, napping, "cancelled");
    JsonNode greeted = awaitEnd(token, start(token, GREETER_RUN));
    assertThat(greeted.path("status").asText()).isEqualTo("succeeded");
    assertNotResumable(token, greeted, "succeeded");

    assertThat(get(token, pathOf(greeted) + "/audit")).isEmpty();
    assertThat(get(token, pathOf(napping) + "/audit")).isEmpty();
  }

  @Test
  void theCreatorATenantAdminAndAServiceOnItsOwnRunMayResumeItNobodyElse() {
    String tenant = newTenant();
    givenAnAgentThatRunsOutOfSteps(tenant);
    String creator = operator(tenant);
    String admin = tokens.user(tenant, "the-admin", "admin");
    String service = tokens.service(tenant, "batch-job", "operator");
    JsonNode byCreator = failedRun(creator);
    JsonNode forAdmin = failedRun(creator);
    JsonNode byService = failedRun(service);

    Map<String, Integer> refusals =
        Map.of(
            tokens.user(tenant, "another-operator", "operator"),
            403,
            tokens.user(tenant, "a-builder", "builder"),
            404,
            tokens.user(tenant, "a-viewer", "viewer"),
            404,
            service,
            403,
            tokens.service(tenant, "an-admin-bot", "admin"),
            403,
            tokens.user(newTenant(), "a-stranger", "admin"),
            404);
    refusals.forEach(
        (token, expected) -> {
          Reply refused = api().post(pathOf(byCreator) + "/resume", token, "");
          assertThat(refused.status()).as(refused.raw()).isEqualTo(expected);
          assertThat(refused.contentType()).isEqualTo("application/problem+json");
          if (expected == 403) {
            assertThat(refused.problemSlug()).isEqualTo("not-run-owner");
          }
        });
    assertThat(get(creator, pathOf(byCreator)).path("status").asText()).isEqualTo("failed");
    assertThat(get(creator, pathOf(byCreator) + "/audit")).isEmpty();

    assertResumed(creator, byCreator);
    assertResumed(admin, forAdmin);
    assertResumed(service, byService);

    assertThat(get(admin, pathOf(byCreator) + "/audit"))
        .singleElement()
        .satisfies(
            entry -> assertThat(entry.path("by").asText()).isEqualTo(operatorSubject(tenant)));
    assertThat(get(admin, pathOf(forAdmin) + "/audit"))
        .singleElement()
        .satisfies(entry -> assertThat(entry.path("by").asText()).isEqualTo("the-admin"));
    assertThat(get(service, pathOf(byService) + "/audit"))
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.path("by").asText()).isEqualTo("batch-job");
              assertThat(entry.path("principalType").asText()).isEqualTo("service");
            });
    assertThat(
            api()
                .get(pathOf(byCreator) + "/audit", tokens.user(tenant, "a-viewer", "viewer"))
                .status())
        .as("the audit trail has the run's read rules")
        .isEqualTo(404);
  }

  @Test
  void twoRacingResumesContinueTheRunOnce() throws Exception {
    String tenant = newTenant();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenAnOpenAiCalculatorAgent(tenant, openAi, null);
      openAi.answer(status(503));
      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"Say hello\"}");
      assertThat(awaitEnd(token, run).path("status").asText()).isEqualTo("failed");
      openAi.answer(sse(textChunk("Hello.", true), finishChunk("stop")));

      List<Reply> replies = resumeTwiceAtOnce(token, run);

      assertThat(replies).extracting(Reply::status).containsExactlyInAnyOrder(202, 409);
      Reply loser =
          replies.stream().filter(reply -> reply.status() == 409).findFirst().orElseThrow();
      assertThat(loser.problemSlug()).isEqualTo("run-not-resumable");
      JsonNode ended = awaitEnd(token, run);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(named(events(token, run), "run.resumed")).hasSize(1);
      assertThat(openAi.received()).as("one failed call, one continuation").hasSize(2);
      assertThat(get(token, pathOf(run) + "/audit")).hasSize(1);
    }
  }

  @Test
  void theAuditTrailCannotBeRewritten() throws SQLException {
    String tenant = newTenant();
    givenAnAgentThatRunsOutOfSteps(tenant);
    String token = operator(tenant);
    JsonNode run = failedRun(token);
    assertResumed(token, run);

    for (String rewrite :
        List.of(
            "UPDATE run_audit SET reason = 'nothing happened' WHERE run_id = ?",
            "DELETE FROM run_audit WHERE run_id = ?")) {
      try (Connection connection = asOwner();
          PreparedStatement statement = connection.prepareStatement(rewrite)) {
        statement.setObject(1, UUID.fromString(run.path("id").asText()));
        assertThatThrownBy(statement::executeUpdate)
            .as(rewrite)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("never updated or deleted");
      }
    }
    assertThat(get(token, pathOf(run) + "/audit")).hasSize(1);
  }

  @Test
  void aForkFromAMiddleCheckpointIsALinkedDebugRunThatContinuesFromThatState() {
    String tenant = newTenant();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenAnOpenAiCalculatorAgent(tenant, openAi, null);
      openAi.answer(calculatorCall("call_product", "6 * 7"));
      openAi.answer(sse(textChunk("It is 42.", true), finishChunk("stop"), usageChunk(70, 4)));
      String builder = tokens.user(tenant, "the-builder", "builder");
      JsonNode origin =
          awaitEnd(
              builder,
              start(
                  builder,
                  "{\"agent\":\"calculating\",\"input\":\"What is 6 * 7?\",\"mode\":\"debug\","
                      + "\"metadata\":{\"ticket\":\"T-7\"}}"));
      assertThat(origin.path("status").asText()).as(origin.toString()).isEqualTo("succeeded");
      JsonNode originCheckpoints = get(builder, pathOf(origin) + "/checkpoints");
      assertThat(seqs(originCheckpoints)).containsExactly(1, 2, 3);

      openAi.answer(
          sse(
              textChunk("Forty-two, said the fork.", true),
              finishChunk("stop"),
              usageChunk(71, 6)));
      Reply forked =
          api()
              .post(
                  pathOf(origin) + "/fork",
                  builder,
                  "{\"fromSeq\":2,\"mode\":\"debug\",\"reason\":\"try another wording\"}");

      assertThat(forked.status()).as(forked.raw()).isEqualTo(202);
      JsonNode fork = forked.body();
      assertThat(forked.header("Location")).contains(pathOf(fork));
      assertThat(fork.path("id").asText()).isNotEqualTo(origin.path("id").asText());
      assertThat(fork.path("mode").asText()).isEqualTo("debug");
      assertThat(fork.path("status").asText()).isEqualTo("queued");
      assertThat(fork.path("createdBy").asText()).isEqualTo("the-builder");
      assertThat(fork.path("forkedFrom").path("runId").asText())
          .isEqualTo(origin.path("id").asText());
      assertThat(fork.path("forkedFrom").path("seq").asInt()).isEqualTo(2);
      assertThat(fork.path("agent")).isEqualTo(origin.path("agent"));
      assertThat(fork.path("input")).isEqualTo(origin.path("input"));
      assertThat(fork.path("metadata")).isEqualTo(origin.path("metadata"));
      assertThat(fork.has("idempotencyKey")).isFalse();
      assertThat(origin.has("forkedFrom")).isFalse();

      JsonNode ended = awaitEnd(builder, fork);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("Forty-two, said the fork.");
      assertThat(ended.path("steps").asInt()).isEqualTo(3);
      assertThat(ended.path("forkedFrom")).isEqualTo(fork.path("forkedFrom"));
      assertThat(ended.path("usage").path("inputTokens").asLong())
          .as("the checkpoint's running totals (the origin's first call) plus the fork's call")
          .isEqualTo(40 + 71);

      List<Received> received = openAi.received();
      assertThat(received).hasSize(3);
      assertThat(received.get(2).body().path("messages"))
          .as("the fork's first model call sees the origin's conversation up to checkpoint 2")
          .isEqualTo(received.get(1).body().path("messages"));

      List<SseEvent> events = events(builder, fork);
      assertThat(names(events)).startsWith("run.queued", "run.started").endsWith("run.succeeded");
      assertThat(names(events)).doesNotContain("run.resumed", "tool.started");
      assertThat(named(events, "step.started"))
          .singleElement()
          .satisfies(step -> assertThat(step.path("step").asInt()).isEqualTo(3));

      JsonNode checkpoints = get(builder, pathOf(fork) + "/checkpoints");
      assertThat(seqs(checkpoints)).containsExactly(2, 3);
      assertThat(parentSeqs(checkpoints)).containsExactly(null, 2);
      assertThat(checkpoints.get(0).path("epoch").asLong()).isZero();
      assertThat(checkpoints.get(0).path("step").asInt()).isEqualTo(2);
      assertThat(checkpoints.get(0).path("state"))
          .isEqualTo(originCheckpoints.get(1).path("state"));
      assertThat(checkpoints.get(1).path("state").path("seq").asInt()).isEqualTo(3);

      assertThat(get(builder, pathOf(origin) + "/checkpoints")).isEqualTo(originCheckpoints);
      assertThat(get(builder, pathOf(origin)).path("status").asText()).isEqualTo("succeeded");
      JsonNode audit = get(builder, pathOf(origin) + "/audit");
      assertThat(audit).hasSize(1);
      assertThat(audit.get(0).path("action").asText()).isEqualTo("fork");
      assertThat(audit.get(0).path("by").asText()).isEqualTo("the-builder");
      assertThat(audit.get(0).path("reason").asText()).isEqualTo("try another wording");
      assertThat(audit.get(0).path("details").path("forkRunId").asText())
          .isEqualTo(fork.path("id").asText());
      assertThat(audit.get(0).path("details").path("fromSeq").asInt()).isEqualTo(2);
      assertThat(get(builder, pathOf(fork) + "/audit")).isEmpty();
    }
  }

  @Test
  void aForkIsForTheRunsBuilderAndForAdminsOnly() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String builder = tokens.user(tenant, "the-builder", "builder");
    String admin = tokens.user(tenant, "the-admin", "admin");
    JsonNode debugRun =
        awaitEnd(
            builder, start(builder, "{\"agent\":\"greeter\",\"input\":{},\"mode\":\"debug\"}"));
    JsonNode productionRun = awaitEnd(operator(tenant), start(operator(tenant), GREETER_RUN));
    String body = "{\"fromSeq\":1}";

    Map<String, Integer> refusals =
        Map.of(
            operator(tenant), 403,
            tokens.user(tenant, "a-viewer", "viewer"), 403,
            tokens.service(tenant, "a-bot", "builder", "admin"), 403,
            tokens.user(tenant, "another-builder", "builder"), 404,
            tokens.user(tenant, "a-builder-operator", "builder", "operator"), 403,
            tokens.user(newTenant(), "a-stranger", "builder"), 404,
            tokens.user(newTenant(), "a-stranger-admin", "admin"), 404);
    refusals.forEach(
        (token, expected) -> {
          Reply refused = api().post(pathOf(debugRun) + "/fork", token, body);
          assertThat(refused.status()).as(refused.raw()).isEqualTo(expected);
          assertThat(refused.contentType()).isEqualTo("application/problem+json");
        });
    assertThat(api().post(pathOf(debugRun) + "/fork", operator(tenant), body).problemSlug())
        .isEqualTo("debug-run-forbidden");
    assertThat(
            api()
                .post(
                    pathOf(debugRun) + "/fork",
                    tokens.user(tenant, "a-builder-operator", "builder", "operator"),
                    body)
                .problemSlug())
        .isEqualTo("not-run-owner");
    assertThat(get(builder, pathOf(debugRun) + "/audit")).isEmpty();

    JsonNode byBuilder = forked(builder, debugRun, body);
    JsonNode byAdmin = forked(admin, debugRun, body);
    JsonNode ofProduction = forked(admin, productionRun, body);
    for (JsonNode fork : List.of(byBuilder, byAdmin, ofProduction)) {
      JsonNode ended = awaitEnd(admin, fork);
      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("hello");
      assertThat(ended.path("mode").asText()).isEqualTo("debug");
    }
    assertThat(byAdmin.path("createdBy").asText()).isEqualTo("the-admin");
    assertThat(get(admin, pathOf(debugRun) + "/audit")).hasSize(2);
  }

  @Test
  void aForkFromACheckpointTheRunDoesNotHaveNamesFromSeq() throws SQLException {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.activeAgent(
        tenant,
        "echoing",
        aScriptedAgent().tools("echo").calls("echo", "{'say':'hi'}").answers("'done'").build());
    String admin = tokens.user(tenant, "the-admin", "admin");
    JsonNode origin = awaitEnd(admin, start(admin, "{\"agent\":\"echoing\",\"input\":{}}"));
    assertThat(seqs(get(admin, pathOf(origin) + "/checkpoints"))).containsExactly(1, 2, 3);

    for (String malformed :
        List.of(
            "",
            "{}",
            "{\"fromSeq\":null}",
            "{\"fromSeq\":\"2\"}",
            "{\"fromSeq\":1.5}",
            "{\"fromSeq\":0}",
            "{\"fromSeq\":-1}")) {
      Reply refused = api().post(pathOf(origin) + "/fork", admin, malformed);
      assertThat(refused.status()).as(malformed + " → " + refused.raw()).isEqualTo(400);
      assertThat(refused.errorPointers()).as(malformed).containsExactly("/fromSeq");
    }
    Reply unknownField = api().post(pathOf(origin) + "/fork", admin, "{\"fromSeq\":1,\"seq\":1}");
    assertThat(unknownField.status()).isEqualTo(400);
    assertThat(unknownField.errorPointers()).containsExactly("/seq");
    Reply modeNotAString =
        api().post(pathOf(origin) + "/fork", admin, "{\"fromSeq\":1,\"mode\":1}");
    assertThat(modeNotAString.status()).isEqualTo(400);
    assertThat(modeNotAString.errorPointers()).containsExactly("/mode");
    Reply production =
        api().post(pathOf(origin) + "/fork", admin, "{\"fromSeq\":1,\"mode\":\"production\"}");
    assertThat(production.status()).as(production.raw()).isEqualTo(422);
    assertThat(production.errorPointers()).containsExactly("/mode");

    Reply beyond = api().post(pathOf(origin) + "/fork", admin, "{\"fromSeq\":4}");
    assertThat(beyond.status()).as(beyond.raw()).isEqualTo(422);
    assertThat(beyond.errorPointers()).containsExactly("/fromSeq");
    assertThat(beyond.errorCodes()).containsExactly("no_such_checkpoint");
    assertThat(beyond.body().path("detail").asText()).contains("checkpoints 1 to 3");

    // Retention's pruning, as CheckpointRetention does it once the run is old enough.
    try (Connection connection = asOwner();
        PreparedStatement prune =
            connection.prepareStatement(
                "DELETE FROM run_checkpoint WHERE run_id = ? AND seq < 3")) {
      prune.setObject(1, UUID.fromString(origin.path("id").asText()));
      assertThat(prune.executeUpdate()).isEqualTo(2);
    }
    Reply pruned = api().post(pathOf(origin) + "/fork", admin, "{\"fromSeq\":1}");
    assertThat(pruned.status()).as(pruned.raw()).isEqualTo(422);
    assertThat(pruned.errorPointers()).containsExactly("/fromSeq");
    assertThat(pruned.body().path("detail").asText()).contains("pruned", "checkpoints 3 to 3");

    assertThat(listedIds(admin, "limit=100"))
        .as("nothing half-written survives a refused fork")
        .containsExactly(origin.path("id").asText());
    assertThat(get(admin, pathOf(origin) + "/audit")).isEmpty();
    JsonNode fromTheLast = forked(admin, origin, "{\"fromSeq\":3}");
    assertThat(awaitEnd(admin, fromTheLast).path("output").asText()).isEqualTo("done");
  }

  /** The tenant's key, a calculator tool, and an {@code openai} agent served by {@code openAi}. */
  private void givenAnOpenAiCalculatorAgent(
      String tenant, FakeOpenAiServer openAi, String singleQuotedPolicy) {
    registry.putSecret(tenant, KEY_SECRET, "sk-" + UUID.randomUUID());
    registry.activeTool(tenant, "calculator", ToolSpecs.calculator());
    registry.activeAgent(
        tenant,
        "calculating",
        json(
            "{'description':'Calculates with a real model','kind':'assistant','model':{'provider':'openai','name':'gpt-test',"
                + "'baseUrl':'"
                + openAi.baseUrl()
                + "','apiKeySecret':'"
                + KEY_SECRET
                + "'},'instructions':'Use the calculator for arithmetic.',"
                + "'tools':[{'name':'calculator','version':'active'}]"
                + (singleQuotedPolicy == null ? "" : ",'policy':" + singleQuotedPolicy)
                + "}"));
  }

  /** A streamed reply asking for one calculator call, using 40 input tokens. */
  private static FakeOpenAiServer.Answer calculatorCall(String callId, String expression) {
    return sse(
        toolCallStart(0, callId, "calculator"),
        toolCallArguments(0, "{\"expression\": \"" + expression + "\"}"),
        finishChunk("tool_calls"),
        usageChunk(40, 10));
  }

  /** An agent whose one allowed step asks for a tool call: its runs fail max_steps_exceeded. */
  private void givenAnAgentThatRunsOutOfSteps(String tenant) {
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.activeAgent(
        tenant,
        "hasty",
        aScriptedAgent()
            .tools("echo")
            .policy("{'maxSteps':1}")
            .calls("echo", "{}")
            .answers("'never reached'")
            .build());
  }

  private JsonNode failedRun(String token) {
    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"hasty\",\"input\":{}}"));
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("failed");
    assertThat(ended.path("error").path("code").asText()).isEqualTo("max_steps_exceeded");
    return ended;
  }

  /** Resumes as {@code token}, asserts the 202, and waits for the run to end again. */
  private void assertResumed(String token, JsonNode run) {
    Reply resumed = api().post(pathOf(run) + "/resume", token, "{}");
    assertThat(resumed.status()).as(resumed.raw()).isEqualTo(202);
    assertThat(resumed.body().path("status").asText()).isEqualTo("queued");
    JsonNode ended = awaitEnd(token, run);
    assertThat(names(events(token, run))).contains("run.resumed");
    assertThat(ended.path("error").path("code").asText())
        .as("the same limit ends it again")
        .isEqualTo("max_steps_exceeded");
  }

  /**
   * Sends two resumes of the run at the same moment, each from a thread of its own (released
   * together by a barrier), and answers both replies.
   */
  private List<Reply> resumeTwiceAtOnce(String token, JsonNode run) throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Reply>> sent = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        sent.add(
            senders.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return api().post(pathOf(run) + "/resume", token, "");
                }));
      }
      List<Reply> replies = new ArrayList<>();
      for (Future<Reply> reply : sent) {
        replies.add(reply.get(30, TimeUnit.SECONDS));
      }
      return replies;
    }
  }

  private void assertNotResumable(String token, JsonNode run, String status) {
    Reply refused = api().post(pathOf(run) + "/resume", token, "");
    assertThat(refused.status()).as(refused.raw()).isEqualTo(409);
    assertThat(refused.problemSlug()).isEqualTo("run-not-resumable");
    assertThat(refused.body().path("detail").asText()).contains(status);
  }

  /** Forks as {@code token}, asserts the 202, and answers the new run. */
  private JsonNode forked(String token, JsonNode run, String body) {
    Reply forked = api().post(pathOf(run) + "/fork", token, body);
    assertThat(forked.status()).as(forked.raw()).isEqualTo(202);
    assertThat(forked.body().path("forkedFrom").path("runId").asText())
        .isEqualTo(run.path("id").asText());
    return forked.body();
  }

  private JsonNode awaitStatus(String token, JsonNode run, String status) {
    return await("run to be " + status)
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> get(token, pathOf(run)), body -> status.equals(body.path("status").asText()));
  }

  private static String pathOf(JsonNode run) {
    return "/v1/runs/" + run.path("id").asText();
  }

  private static List<Integer> seqs(JsonNode checkpoints) {
    List<Integer> seqs = new ArrayList<>();
    checkpoints.forEach(checkpoint -> seqs.add(checkpoint.path("seq").asInt()));
    return seqs;
  }

  private static List<Integer> parentSeqs(JsonNode checkpoints) {
    List<Integer> parents = new ArrayList<>();
    checkpoints.forEach(
        checkpoint ->
            parents.add(
                checkpoint.hasNonNull("parentSeq") ? checkpoint.path("parentSeq").asInt() : null));
    return parents;
  }
}
