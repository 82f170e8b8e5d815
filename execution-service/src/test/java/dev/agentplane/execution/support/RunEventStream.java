package dev.agentplane.execution.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's {@code GET /v1/runs/{id}/events} stream as read to its end (the stream ends after the
 * terminal event): the text as sent, and its events parsed.
 *
 * @param raw the response body exactly as the server sent it
 */
public record RunEventStream(String raw, List<Event> events) {

  /**
   * One server-sent event.
   *
   * @param id its {@code id:}, the run's event sequence number
   * @param name its {@code event:}, e.g. {@code tool.succeeded}
   * @param data its {@code data:} as JSON
   */
  public record Event(long id, String name, JsonNode data) {}

  public RunEventStream {
    events = List.copyOf(events);
  }

  /** The events with this name, in order. */
  public List<JsonNode> named(String name) {
    return events.stream().filter(event -> event.name().equals(name)).map(Event::data).toList();
  }

  /** The event names in order. */
  public List<String> names() {
    return events.stream().map(Event::name).toList();
  }

  /** Parses a {@code text/event-stream} body. */
  public static RunEventStream parse(String raw) {
    List<Event> events = new ArrayList<>();
    for (String block : raw.replace("\r\n", "\n").split("\n\n")) {
      String id = null;
      String name = "message";
      StringBuilder data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("id:")) {
          id = field(line);
        } else if (line.startsWith("event:")) {
          name = field(line);
        } else if (line.startsWith("data:")) {
          data.append(data.isEmpty() ? "" : "\n").append(field(line));
        }
      }
      if (id != null || !data.isEmpty()) {
        events.add(new Event(id == null ? -1 : Long.parseLong(id), name, json(data.toString())));
      }
    }
    return new RunEventStream(raw, events);
  }

  private static String field(String line) {
    String value = line.substring(line.indexOf(':') + 1);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  private static JsonNode json(String data) {
    try {
      return ServiceApi.JSON.readTree(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("An event's data is not JSON: " + data, e);
    }
  }
}
