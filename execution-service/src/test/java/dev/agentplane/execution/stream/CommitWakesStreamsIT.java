package dev.agentplane.execution.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ScriptedAgent;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A stream of a run this instance executes is woken by the commit of the run's events, not by a
 * timer: with the poll for other instances' runs switched off and the stream's own safety read 2 s
 * apart, its events still arrive as they are committed.
 *
 * <p>The run first naps long enough for the stream to be open before the nap ends, then naps
 * briefly again and again: each short nap ends in a burst of events at another point of the safety
 * read's cycle. A stall of a loaded machine delays a burst or two, not most of them.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitWakesStreamsIT extends ExecutionTestSupport {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Set<String> TERMINAL_EVENTS =
      Set.of("run.succeeded", "run.failed", "run.cancelled", "run.timed_out");
  // Woken at commit, an event arrives within milliseconds of being written. Left to the 2 s safety
  // read, a burst waits for the next read: less than 500 ms only in the last quarter of the cycle,
  // where bursts some 300 ms apart do not mostly fall. One burst alone might.
  private static final Duration MEDIAN_LAG_LIMIT = Duration.ofMillis(500);
  private static final int SHORT_NAPS = 8;

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.stream.poll-every", "1h",
        "agentplane.execution.stream.keep-alive", "10s");
  }

  @Test
  void eventsArriveAsTheyAreCommittedWithoutAnyPoll() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    ScriptedAgent napper =
        ScriptedAgent.aScriptedAgent().tools("sleep").calls("sleep", "{'milliseconds': 5000}");
    for (int i = 0; i < SHORT_NAPS; i++) {
      napper.calls("sleep", "{'milliseconds': 300}");
    }
    registry.activeAgent(tenant, "napper", napper.answers("'rested'").build());
    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"napper\",\"input\":\"go\"}");

    List<Duration> lags = new ArrayList<>();
    try (SseStream stream = openEvents(token, run, "", Map.of())) {
      // The first read replays what was committed before the stream opened; what follows is live.
      SseEvent event = stream.next(WAIT);
      while (!event.name().equals("tool.started")) {
        event = stream.next(WAIT);
      }
      // Until the terminal event, whatever the reader has queued: the stream may already have
      // ended behind the events still to be taken.
      SseEvent live;
      do {
        live = stream.next(WAIT);
        Instant occurred = Instant.parse(live.data().path("occurredAt").asText());
        lags.add(Duration.between(occurred, Instant.now()));
      } while (!TERMINAL_EVENTS.contains(live.name()));
    }

    assertThat(lags)
        .as("events written after the first nap: per nap its result, a model turn, what follows")
        .hasSizeGreaterThanOrEqualTo(3 * (SHORT_NAPS + 1));
    List<Duration> sorted = lags.stream().sorted().toList();
    assertThat(sorted.get(sorted.size() / 2)).isLessThan(MEDIAN_LAG_LIMIT);
  }
}
