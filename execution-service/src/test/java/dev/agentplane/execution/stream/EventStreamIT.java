package dev.agentplane.execution.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /v1/runs/{id}/events} read by a real HTTP client as the bytes arrive: events come
 * live, numbered by {@code id:} without gaps, the stream ends after the terminal event, and a
 * reconnect ({@code Last-Event-ID} or {@code ?after=}) replays exactly what came after.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStreamIT extends ExecutionTestSupport {

  private static final Duration WAIT = Duration.ofSeconds(20);
  // For tests that look at the run while it naps: long enough that it still naps when they look,
  // after reading its first events on a loaded machine.
  private static final Duration LONG_NAP = Duration.ofSeconds(5);
  private static final Set<String> TERMINAL_EVENTS =
      Set.of("run.succeeded", "run.failed", "run.cancelled", "run.timed_out");

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.stream.keep-alive", "300ms");
  }

  @Test
  void aQuietStreamGetsKeepAliveCommentsThatAreNotEvents() {
    String tenant = newTenant();
    String token = napper(tenant, LONG_NAP);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      SseEvent event = stream.next(WAIT);
      while (!event.name().equals("tool.started")) {
        event = stream.next(WAIT);
      }
      // The tool sleeps 5 s: well over the 300 ms keep-alive, with no event meanwhile.
      await("a keep-alive comment while the tool sleeps")
          .atMost(WAIT)
          .until(() -> !stream.comments().isEmpty());
      assertThat(statusOf(token, run)).isEqualTo("running");
      assertThat(stream.comments())
          .allSatisfy(comment -> assertThat(comment).isEqualTo("keep-alive"));

      List<SseEvent> events = stream.untilEnd(WAIT);
      assertThat(events)
          .extracting(SseEvent::seq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
    }
  }

  @Test
  void eventsArriveWhileTheRunRunsNumberedWithoutGapsAndTheStreamEndsAfterTheTerminalOne() {
    String tenant = newTenant();
    String token = napper(tenant, LONG_NAP);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      assertThat(stream.contentType()).startsWith("text/event-stream");
      SseEvent first = stream.next(WAIT);
      assertThat(first.name()).isEqualTo("run.queued");
      assertThat(statusOf(token, run)).as("the run has not ended yet").isIn("queued", "running");
      SseEvent event = first;
      while (!event.name().equals("tool.started")) {
        event = stream.next(WAIT);
      }
      assertThat(statusOf(token, run))
          .as("tool.started arrives while the tool runs")
          .isEqualTo("running");

      List<SseEvent> events = stream.untilEnd(WAIT);

      assertThat(events)
          .extracting(SseEvent::seq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
      assertThat(events)
          .allSatisfy(
              each -> assertThat(each.data().path("sequence").asLong()).isEqualTo(each.seq()));
      assertThat(events)
          .extracting(SseEvent::name)
          .containsSubsequence(
              "run.queued",
              "run.started",
              "step.started",
              "model.completed",
              "tool.started",
              "tool.succeeded",
              "model.completed",
              "run.succeeded");
      assertThat(events)
          .filteredOn(each -> TERMINAL_EVENTS.contains(each.name()))
          .singleElement()
          .isEqualTo(events.getLast());
      assertThat(events.getLast().data().path("output").asText()).isEqualTo("rested");
    }
    assertThat(statusOf(token, run)).isEqualTo("succeeded");
  }

  @Test
  void reconnectingWithLastEventIdReplaysExactlyTheEventsAfterIt() {
    String tenant = newTenant();
    String token = napper(tenant, LONG_NAP);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    List<SseEvent> seen = new ArrayList<>();
    try (SseStream firstConnection = openEvents(token, run, "", Map.of())) {
      seen.add(firstConnection.next(WAIT));
      seen.add(firstConnection.next(WAIT));
    }
    assertThat(statusOf(token, run)).as("the client went away mid-run").isIn("queued", "running");
    String lastEventId = seen.getLast().id();
    try (SseStream reconnected = openEvents(token, run, "", Map.of("Last-Event-ID", lastEventId))) {
      seen.addAll(reconnected.untilEnd(WAIT));
    }

    List<SseEvent> all = events(token, run);
    assertThat(seen).as("nothing lost, nothing twice").containsExactlyElementsOf(all);
    assertThat(all.getLast().name()).isEqualTo("run.succeeded");

    try (SseStream replay = openEvents(token, run, "", Map.of("Last-Event-ID", "3"))) {
      assertThat(replay.untilEnd(WAIT)).containsExactlyElementsOf(all.subList(3, all.size()));
    }
  }

  @Test
  void afterInTheQueryReplaysExactlyTheEventsAfterIt() {
    String tenant = newTenant();
    String token = napper(tenant);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");
    List<SseEvent> all = events(token, run);

    try (SseStream replay = openEvents(token, run, "?after=4", Map.of())) {
      List<SseEvent> replayed = replay.untilEnd(WAIT);
      assertThat(replayed).containsExactlyElementsOf(all.subList(4, all.size()));
      assertThat(replayed.getFirst().seq()).isEqualTo(5);
    }
  }

  @Test
  void reconnectingAfterTheTerminalEventIsANoContentThatEndsAtOnce() {
    // A browser's EventSource reconnects whenever a stream closes, with the last id it saw; a 204
    // is what tells it to stop.
    String tenant = newTenant();
    String token = napper(tenant);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");
    List<SseEvent> all = events(token, run);
    String path = "/v1/runs/" + run.path("id").asText() + "/events";

    try (SseStream again =
        SseStream.open(server.getURI(), path, token, Map.of("Last-Event-ID", all.getLast().id()))) {
      assertThat(again.status()).isEqualTo(204);
      assertThat(again.untilEnd(Duration.ofSeconds(5))).isEmpty();
    }
    try (SseStream beyond = SseStream.open(server.getURI(), path + "?after=999", token, Map.of())) {
      assertThat(beyond.status()).isEqualTo(204);
    }
    try (SseStream lastOne =
        openEvents(token, run, "?after=" + (all.getLast().seq() - 1), Map.of())) {
      assertThat(lastOne.untilEnd(WAIT)).containsExactly(all.getLast());
    }
  }

  @Test
  void theStreamOfAnotherTenantsRunIsNotFound() {
    String tenant = newTenant();
    String token = napper(tenant);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    try (SseStream foreign =
        SseStream.open(
            server.getURI(),
            "/v1/runs/" + run.path("id").asText() + "/events",
            operator(newTenant()),
            Map.of())) {
      assertThat(foreign.status()).isEqualTo(404);
    }
    awaitEnd(token, run);
  }

  /** Registers an agent that naps 1.5 s in a tool, then answers "rested"; returns a token. */
  private String napper(String tenant) {
    return napper(tenant, RegistryFixture.NAPPER_NAP);
  }

  /** As {@link #napper(String)}, with a nap of {@code nap}. */
  private String napper(String tenant, Duration nap) {
    registry.activeNapper(tenant, nap);
    return operator(tenant);
  }

  private String statusOf(String token, JsonNode run) {
    return get(token, "/v1/runs/" + run.path("id").asText()).path("status").asText();
  }
}
