package dev.agentplane.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One Server-Sent Events stream read as it arrives: a real HTTP/1.1 request whose body is consumed
 * line by line on a thread of its own, each event handed over as soon as its blank line came.
 * {@link #next} waits for the next event, {@link #untilEnd} for the server to close the stream.
 */
public final class SseStream implements AutoCloseable {

  /** One event: {@code id:}, {@code event:} and its {@code data:} parsed as JSON. */
  public record SseEvent(String id, String name, JsonNode data) {

    /** The {@code id:} as a number (the run's event sequence). */
    public long seq() {
      return Long.parseLong(id);
    }

    /** A field of the event's data. */
    public JsonNode path(String field) {
      return data.path(field);
    }
  }

  /** A server that holds back even the headers is a failure, not a reason to hang the build. */
  private static final Duration HEADERS_WITHIN = Duration.ofSeconds(10);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** What the reader hands over: an event, or the end of the stream. */
  private sealed interface Arrival {}

  private record Arrived(SseEvent event) implements Arrival {}

  private record Ended() implements Arrival {}

  private final int status;
  private final String contentType;
  private final Stream<String> lines;
  private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
  private final List<SseEvent> received = new CopyOnWriteArrayList<>();
  private final List<String> nonEventLines = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private volatile boolean ended;

  private SseStream(HttpResponse<Stream<String>> response) {
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
    this.lines = response.body();
    Thread.ofVirtual().name("sse-reader").start(this::read);
  }

  /**
   * Opens {@code path} (with its query) on {@code base} as {@code token}; returns once the response
   * headers arrived, the body still streaming.
   */
  public static SseStream open(URI base, String path, String token, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .GET()
            .header("Accept", "text/event-stream")
            .header("Authorization", "Bearer " + token);
    headers.forEach(request::setHeader);
    CompletableFuture<HttpResponse<Stream<String>>> response =
        HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
    try {
      return new SseStream(response.get(HEADERS_WITHIN.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      response.cancel(true);
      throw new AssertionError("No response headers for " + path + " within " + HEADERS_WITHIN);
    } catch (ExecutionException e) {
      throw new IllegalStateException("GET " + path + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** Whether the server closed the stream. */
  public boolean ended() {
    return ended;
  }

  /** Every event received so far, in order. */
  public List<SseEvent> received() {
    return List.copyOf(received);
  }

  /** The comment lines ({@code : text}, keep-alives) received so far, without the colon. */
  public List<String> comments() {
    return List.copyOf(comments);
  }

  /** The lines of a response that was not an event stream (a problem+json body). */
  public String body() {
    return String.join("\n", nonEventLines);
  }

  /**
   * The next event, waiting at most {@code within}.
   *
   * @throws AssertionError when none came in time or the stream ended first
   */
  public SseEvent next(Duration within) {
    Arrival arrival = poll(within);
    if (arrival instanceof Arrived(SseEvent event)) {
      return event;
    }
    throw new AssertionError(
        arrival == null
            ? "No event within " + within + "; received " + received
            : "The stream ended; received " + received);
  }

  /**
   * The next event named {@code name}, skipping the others; each must come within {@code within}.
   */
  public SseEvent nextNamed(String name, Duration within) {
    while (true) {
      SseEvent event = next(within);
      if (event.name().equals(name)) {
        return event;
      }
    }
  }

  /**
   * Waits at most {@code within} for the server to close the stream; returns every event the stream
   * carried, in order.
   *
   * @throws AssertionError when the stream is still open by then
   */
  public List<SseEvent> untilEnd(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!ended) {
      Duration left = Duration.ofNanos(deadline - System.nanoTime());
      if (left.isNegative() || poll(left) == null) {
        throw new AssertionError(
            "The stream did not end within " + within + "; received " + received);
      }
    }
    return received();
  }

  /** Disconnects, as a client going away does. */
  @Override
  public void close() {
    lines.close();
  }

  private Arrival poll(Duration within) {
    try {
      return arrivals.poll(within.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void read() {
    String id = null;
    String name = null;
    List<String> data = new ArrayList<>();
    try {
      for (String line : (Iterable<String>) lines::iterator) {
        if (!contentType.startsWith("text/event-stream")) {
          nonEventLines.add(line);
        } else if (line.isEmpty()) {
          if (!data.isEmpty() || name != null) {
            SseEvent event = new SseEvent(id, name, json(String.join("\n", data)));
            received.add(event);
            arrivals.add(new Arrived(event));
          }
          id = null;
          name = null;
          data.clear();
        } else if (line.startsWith("id:")) {
          id = field(line);
        } else if (line.startsWith("event:")) {
          name = field(line);
        } else if (line.startsWith("data:")) {
          data.add(field(line));
        } else if (line.startsWith(":")) {
          comments.add(line.substring(1).strip());
        }
      }
    } catch (RuntimeException disconnected) {
      // close() cancels the body; the stream ends here either way.
    } finally {
      ended = true;
      arrivals.add(new Ended());
    }
  }

  private static String field(String line) {
    String value = line.substring(line.indexOf(':') + 1);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  private static JsonNode json(String text) {
    try {
      return ServiceApi.JSON.readTree(text);
    } catch (IOException notJson) {
      return MissingNode.getInstance();
    }
  }
}
