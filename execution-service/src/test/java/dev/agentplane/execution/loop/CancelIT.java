package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.HangingHttpServer;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cancel as users see it: a running run stops within a second wherever its step is (an HTTP call in
 * flight is aborted, a sleep is interrupted), a run still waiting for a worker ends at once and
 * never starts, and a finished run cannot be cancelled.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CancelIT extends ExecutionTestSupport {

  /** How soon a cancelled run must have ended, by the service's own clock. */
  private static final Duration PROMPTLY = Duration.ofSeconds(1);

  /**
   * How long the test waits to see it: {@link #PROMPTLY} is checked on the run's own times, so a
   * stall of the test's thread on a loaded machine does not fail it.
   */
  private static final Duration OBSERVED_WITHIN = Duration.ofSeconds(10);

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        // One run at a time: a second run waits queued behind the first, which is how a run
        // that no worker took yet is made to stay queued.
        "agentplane.execution.workers.concurrency", "1");
  }

  @Test
  void cancellingDuringASlowHttpCallAbortsTheCallAndEndsTheRunWithinASecond() {
    try (HangingHttpServer slow = HangingHttpServer.start()) {
      String tenant = newTenant();
      registry.activeTool(tenant, "slow", ToolSpecs.httpGet(slow.url("/slow"), 60_000));
      registry.activeAgent(
          tenant,
          "patient",
          aScriptedAgent().tools("slow").calls("slow", "{}").answers("'never reached'").build());
      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"patient\",\"input\":\"go\"}");
      await("the tool's request to arrive")
          .atMost(Duration.ofSeconds(20))
          .until(() -> slow.requestLines().size() == 1);
      assertThat(slow.requestLines()).containsExactly("GET /slow HTTP/1.1");

      JsonNode cancelled = cancel(token, run, "{\"reason\":\"taking too long\"}");

      JsonNode ended = awaitStatus(token, run, "cancelled");
      assertThat(ended.path("error").path("code").asText()).isEqualTo("cancelled");
      assertThat(ended.path("error").path("message").asText()).isEqualTo("taking too long");
      assertThat(stoppedAfter(cancelled, ended)).isLessThan(PROMPTLY);
      await("the server to see its client give up")
          .atMost(OBSERVED_WITHIN)
          .until(() -> slow.abortedByClient() == 1);
      assertThat(slow.answered()).isZero();
      List<SseEvent> events = events(token, run);
      assertThat(events).extracting(SseEvent::name).contains("tool.started");
      assertThat(events)
          .extracting(SseEvent::name)
          .doesNotContain("tool.succeeded", "tool.failed", "run.failed");
      assertThat(events.getLast().name()).isEqualTo("run.cancelled");
      assertThat(events.getLast().data().path("by").asText())
          .isEqualTo(run.path("createdBy").asText());
      assertThat(events.getLast().data().path("reason").asText()).isEqualTo("taking too long");
    }
  }

  @Test
  void cancellingDuringASleepToolEndsTheRunPromptlyAndASecondCancelIsRefused() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(tenant, "dozy", sleeper());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"dozy\",\"input\":\"go\"}");
    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      awaitEvent(stream, "tool.started");

      JsonNode cancelled = cancel(token, run, "");

      JsonNode ended = awaitStatus(token, run, "cancelled");
      assertThat(stoppedAfter(cancelled, ended)).isLessThan(PROMPTLY);
      List<SseEvent> events = stream.untilEnd(Duration.ofSeconds(5));
      assertThat(events.getLast().name()).isEqualTo("run.cancelled");
      assertThat(events).extracting(SseEvent::name).doesNotContain("tool.succeeded");
    }

    Reply again = api().post("/v1/runs/" + run.path("id").asText() + "/cancel", token, "");
    assertThat(again.status()).as(again.raw()).isEqualTo(409);
    assertThat(again.problemSlug()).isEqualTo("run-finished");
  }

  @Test
  void cancellingARunThatWaitsForAWorkerEndsItAtOnceAndItNeverStarts() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(tenant, "hog", sleeper());
    registry.activeAgent(tenant, "quick", aScriptedAgent().answers("'hello'").build());
    String token = operator(tenant);
    JsonNode hog = start(token, "{\"agent\":\"hog\",\"input\":\"go\"}");
    awaitStatus(token, hog, "running");
    JsonNode waiting = start(token, "{\"agent\":\"quick\",\"input\":\"go\"}");
    assertThat(get(token, "/v1/runs/" + waiting.path("id").asText()).path("status").asText())
        .as("the only worker slot is taken")
        .isEqualTo("queued");

    JsonNode cancelled = cancel(token, waiting, "{\"reason\":\"not needed\"}");

    assertThat(cancelled.path("status").asText()).as("ended in the cancel").isEqualTo("cancelled");
    assertThat(cancelled.path("error").path("code").asText()).isEqualTo("cancelled");
    assertThat(cancelled.has("startedAt")).isFalse();
    assertThat(cancelled.has("finishedAt")).isTrue();
    assertThat(events(token, waiting))
        .extracting(SseEvent::seq, SseEvent::name)
        .containsExactly(tuple(1L, "run.queued"), tuple(2L, "run.cancelled"));

    // Freeing the slot hands the cancelled run to the worker, whose claim must refuse it.
    cancel(token, hog, "");
    assertThat(awaitEnd(token, hog).path("status").asText()).isEqualTo("cancelled");
    JsonNode quick = awaitStatus(token, waiting, "cancelled");
    assertThat(quick.path("steps").asInt()).isZero();
    assertThat(quick.has("startedAt")).isFalse();
  }

  /** An agent whose only step is a 20 s sleep. */
  private static JsonNode sleeper() {
    return aScriptedAgent()
        .tools("sleep")
        .calls("sleep", "{'milliseconds':20000}")
        .answers("'never reached'")
        .build();
  }

  /** Posts the cancel, asserts its 202, and answers the run as the cancel left it. */
  private JsonNode cancel(String token, JsonNode run, String body) {
    Reply accepted = api().post("/v1/runs/" + run.path("id").asText() + "/cancel", token, body);
    assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
    assertThat(accepted.body().path("cancelRequestedAt").isTextual()).isTrue();
    return accepted.body();
  }

  private JsonNode awaitStatus(String token, JsonNode run, String status) {
    return awaitStatus(
        token, run, status, status.equals("running") ? Duration.ofSeconds(20) : OBSERVED_WITHIN);
  }

  private static void awaitEvent(SseStream stream, String name) {
    while (!stream.next(Duration.ofSeconds(20)).name().equals(name)) {
      // Earlier events of the run.
    }
  }

  /** From the cancel request to the run's end, by the service's clock. */
  private static Duration stoppedAfter(JsonNode cancelled, JsonNode ended) {
    return Duration.between(
        Instant.parse(cancelled.path("cancelRequestedAt").asText()),
        Instant.parse(ended.path("finishedAt").asText()));
  }
}
