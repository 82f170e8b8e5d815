package dev.agentplane.execution.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

/**
 * The run API of one execution service instance, used as a client uses it: start a run, read it,
 * wait for it, watch its events. The service may run in the test JVM or in a child process.
 */
public final class RunClient {

  public static final Set<String> TERMINAL =
      Set.of("succeeded", "failed", "cancelled", "timed_out");

  private static final Duration RUN_ENDS_WITHIN = Duration.ofSeconds(30);

  private final URI base;
  private final ServiceApi api;

  public RunClient(URI base) {
    this.base = base;
    this.api = new ServiceApi(base);
  }

  public ServiceApi api() {
    return api;
  }

  /** Starts a run ({@code POST /v1/runs}) as {@code token}; asserts the 202 and returns the run. */
  public JsonNode start(String token, String body) {
    Reply accepted = api.post("/v1/runs", token, body);
    assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
    return accepted.body();
  }

  /** GETs {@code path}, asserting a 200. */
  public JsonNode get(String token, String path) {
    Reply reply = api.get(path, token);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body();
  }

  /** The run as the API shows it now. */
  public JsonNode run(String token, JsonNode run) {
    return get(token, "/v1/runs/" + run.path("id").asText());
  }

  /** Waits for the run to end and returns it as the API shows it then. */
  public JsonNode awaitEnd(String token, JsonNode run) {
    return awaitEnd(token, run, RUN_ENDS_WITHIN);
  }

  /** Waits, up to {@code within}, for the run to end; returns it as the API shows it then. */
  public JsonNode awaitEnd(String token, JsonNode run, Duration within) {
    String path = "/v1/runs/" + run.path("id").asText();
    return await("run " + run.path("id").asText() + " to end")
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> api.get(path, token).body(),
            body -> TERMINAL.contains(body.path("status").asText()));
  }

  /** Waits, up to {@code within}, for the run to show {@code status}; returns it then. */
  public JsonNode awaitStatus(String token, JsonNode run, String status, Duration within) {
    String path = "/v1/runs/" + run.path("id").asText();
    return await("run " + run.path("id").asText() + " to be " + status)
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> get(token, path), body -> status.equals(body.path("status").asText()));
  }

  /**
   * Opens the run's event stream ({@code GET /v1/runs/{id}/events}{@code query}) with these extra
   * headers; the caller closes it.
   */
  public SseStream openEvents(
      String token, JsonNode run, String query, Map<String, String> headers) {
    SseStream stream =
        SseStream.open(
            base, "/v1/runs/" + run.path("id").asText() + "/events" + query, token, headers);
    assertThat(stream.status()).as(stream.body()).isEqualTo(200);
    return stream;
  }

  /**
   * Asserts that {@code events}, a run's whole stream, are numbered 1..n with no gap and no repeat,
   * from {@code run.queued} to a terminal event.
   */
  public static void assertNoGapsOrDuplicates(List<SseStream.SseEvent> events) {
    assertThat(events).as("events").isNotEmpty();
    assertThat(events)
        .extracting(SseStream.SseEvent::seq)
        .as("sequence numbers of %s", events.stream().map(SseStream.SseEvent::name).toList())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
    assertThat(events.getFirst().name()).isEqualTo("run.queued");
    assertThat(events.getLast().name())
        .isIn("run.succeeded", "run.failed", "run.cancelled", "run.timed_out");
  }

  /** Every event of the run, read through its SSE stream from the start until the stream ends. */
  public List<SseStream.SseEvent> events(String token, JsonNode run) {
    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      return stream.untilEnd(RUN_ENDS_WITHIN);
    }
  }
}
