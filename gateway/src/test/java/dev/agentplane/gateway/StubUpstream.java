package dev.agentplane.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real HTTP server on loopback standing in for a service behind the gateway: it records every
 * request it sees (headers included) and answers {@code /health/readiness} with 200, {@code
 * .../slow} after a delay, {@code .../events} with ten Server-Sent Events 200 ms apart, {@code
 * .../missing} with 404, and anything else with a small JSON document naming itself and the path.
 */
final class StubUpstream implements AutoCloseable {

  /** One request as the upstream saw it; header names lower-cased. */
  record Seen(
      String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.getFirst();
    }
  }

  static final int EVENTS = 10;
  static final Duration EVENT_INTERVAL = Duration.ofMillis(200);
  static final Duration SLOW_DELAY = Duration.ofSeconds(3);

  private final String name;
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
  private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> arrived = new ConcurrentLinkedQueue<>();

  private StubUpstream(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The URL of an upstream that was started and stopped again: connections to it are refused. */
  static String urlOfAStoppedUpstream(String name) {
    StubUpstream stopped = start(name);
    stopped.close();
    return stopped.url();
  }

  static StubUpstream start(String name) {
    try {
      return new StubUpstream(name);
    } catch (IOException e) {
      throw new IllegalStateException("Could not start stub upstream " + name, e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Requests seen on a path, oldest first (health probes excluded). */
  List<Seen> requestsTo(String path) {
    return seen.stream().filter(request -> request.path().equals(path)).toList();
  }

  /**
   * Whether any request to a path got as far as its headers, even one whose body never arrived
   * whole (those are missing from {@link #requestsTo}).
   */
  boolean anyRequestArrivedAt(String path) {
    return arrived.contains(path);
  }

  Seen onlyRequestTo(String path) {
    List<Seen> requests = requestsTo(path);
    if (requests.size() != 1) {
      throw new AssertionError(name + " saw " + requests.size() + " requests to " + path);
    }
    return requests.getFirst();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    arrived.add(path);
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (path.equals("/health/readiness")) {
      respond(exchange, 200, "{\"status\":\"UP\"}");
      return;
    }
    seen.add(
        new Seen(
            exchange.getRequestMethod(),
            path,
            exchange.getRequestURI().getRawQuery(),
            exchange.getRequestHeaders().entrySet().stream()
                .collect(
                    Collectors.toMap(
                        entry -> entry.getKey().toLowerCase(Locale.ROOT),
                        entry -> List.copyOf(entry.getValue()),
                        (a, b) -> a)),
            body));
    if (path.endsWith("/slow")) {
      clock.schedule(
          () -> respondQuietly(exchange, 200, "{\"slow\":true}"),
          SLOW_DELAY.toMillis(),
          TimeUnit.MILLISECONDS);
    } else if (path.endsWith("/events")) {
      streamEvents(exchange);
    } else if (path.endsWith("/missing")) {
      respond(exchange, 404, "{\"upstream\":\"" + name + "\",\"missing\":\"" + path + "\"}");
    } else {
      respond(
          exchange,
          200,
          "{\"upstream\":\""
              + name
              + "\",\"path\":\""
              + path
              + "\",\"bytes\":"
              + body.length
              + "}");
    }
  }

  private void streamEvents(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().add("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    // One clock thread: the events go out in order, EVENT_INTERVAL apart.
    for (int n = 1; n <= EVENTS; n++) {
      int event = n;
      clock.schedule(
          () -> {
            try {
              out.write(
                  ("id: " + event + "\ndata: {\"n\":" + event + "}\n\n")
                      .getBytes(StandardCharsets.UTF_8));
              out.flush();
              if (event == EVENTS) {
                exchange.close();
              }
            } catch (IOException e) {
              exchange.close();
            }
          },
          EVENT_INTERVAL.toMillis() * n,
          TimeUnit.MILLISECONDS);
    }
  }

  private static void respondQuietly(HttpExchange exchange, int status, String json) {
    try {
      respond(exchange, status, json);
    } catch (IOException e) {
      exchange.close();
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("Connection", "keep-alive, X-Upstream-Secret");
    exchange.getResponseHeaders().add("X-Upstream-Secret", "hop-by-hop");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    clock.shutdownNow();
    handlers.shutdownNow();
  }
}
