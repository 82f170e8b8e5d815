package dev.agentplane.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;

/** Runs as their users reach them, through the gateway: start, read, wait, watch. */
public final class Runs {

  public static final Set<String> TERMINAL =
      Set.of("succeeded", "failed", "cancelled", "timed_out");

  private static final Duration WITHIN = Duration.ofSeconds(60);

  private final Platform platform;
  private final ServiceApi gateway;

  public Runs(Platform platform) {
    this.platform = platform;
    this.gateway = platform.gateway();
  }

  /** {@code POST /v1/runs}: the reply. */
  public Reply request(String token, String body) {
    return gateway.post("/v1/runs", token, body);
  }

  /** Starts a run; asserts the 202 and returns the run's id. */
  public String start(String token, String body) {
    Reply accepted = request(token, body);
    assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
    return accepted.body().path("id").asText();
  }

  /** {@code GET /v1/runs/{id}}, asserting a 200. */
  public JsonNode get(String token, String runId) {
    Reply run = gateway.get("/v1/runs/" + runId, token);
    assertThat(run.status()).as(run.raw()).isEqualTo(200);
    return run.body();
  }

  /** Waits until the run shows {@code status}; returns it then. */
  public JsonNode awaitStatus(String token, String runId, String status) {
    return await("run " + runId + " to be " + status)
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(token, runId), run -> status.equals(run.path("status").asText()));
  }

  /** Waits until the run ended, whichever way; returns it then. */
  public JsonNode awaitEnd(String token, String runId) {
    return await("run " + runId + " to end")
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(token, runId), run -> TERMINAL.contains(run.path("status").asText()));
  }

  /** Opens the run's SSE stream through the gateway (after {@code lastEventId} when not null). */
  public SseStream watch(String token, String runId, String lastEventId) {
    return platform.runEvents(token, runId, lastEventId);
  }

  /** The run's whole event history, read over SSE once it ended. */
  public List<SseEvent> history(String token, String runId) {
    try (SseStream stream = watch(token, runId, null)) {
      assertThat(stream.status()).isEqualTo(200);
      return stream.untilEnd(WITHIN);
    }
  }

  /** Asserts the events are numbered 1, 2, 3, … with no gap and no repeat. */
  public static void assertGapFree(List<SseEvent> events) {
    assertThat(events.stream().map(SseEvent::seq).toList())
        .as("event sequence numbers")
        .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
  }
}
