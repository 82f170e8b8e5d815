package dev.agentplane.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP API whose calls have side effects (a payment, a ticket) and which honours {@code
 * Idempotency-Key} as Stripe's API does: the first request with a key takes effect and its answer
 * is kept; a later request with the same key takes no effect and gets that same answer again
 * (marked {@code Idempotent-Replayed: true}). A request without a key always takes effect.
 *
 * <p>It records every request, and can hold requests after their effect and before their answer
 * ({@link #holdNext}, {@link #release}): the moment at which a worker that crashes leaves a call
 * made but its result unrecorded.
 */
public final class CountingToolServer implements AutoCloseable {

  /** A request that stays held longer than this is answered anyway, so no test hangs forever. */
  private static final long HOLD_AT_MOST_SECONDS = 120;

  /**
   * One request as it arrived.
   *
   * @param idempotencyKey the {@code Idempotency-Key} header, null without one
   * @param replayed whether it repeated an earlier key, so took no effect
   */
  public record Request(
      String method, String path, String idempotencyKey, String body, boolean replayed) {}

  /**
   * One side effect: the {@code number}th the server performed, for the request that first named
   * {@code idempotencyKey}.
   */
  public record Effect(int number, String idempotencyKey, String method, String path, String body) {

    /** The body as JSON (missing when it was none). */
    public JsonNode bodyJson() {
      try {
        JsonNode parsed = ServiceApi.JSON.readTree(body);
        return parsed == null ? MissingNode.getInstance() : parsed;
      } catch (IOException notJson) {
        return MissingNode.getInstance();
      }
    }
  }

  private final HttpServer http;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Effect> effects = new ArrayList<>();
  private final Map<String, byte[]> answersByKey = new HashMap<>();
  private final AtomicInteger toHold = new AtomicInteger();
  private final AtomicInteger holding = new AtomicInteger();
  private volatile CountDownLatch released = new CountDownLatch(0);
  private volatile Duration latency = Duration.ZERO;
  private volatile Map.Entry<String, String> requiredHeader;

  private CountingToolServer(HttpServer http) {
    this.http = http;
  }

  /** Starts a server on 127.0.0.1 at a free port, answering on every path. */
  public static CountingToolServer start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      CountingToolServer server = new CountingToolServer(http);
      http.setExecutor(server.handlers);
      http.createContext("/", server::handle);
      http.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("The counting tool server did not start", e);
    }
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public String url(String path) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + path;
  }

  /** Every request received so far, in the order they arrived. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests that named {@code key}, in order. */
  public List<Request> requestsWithKey(String key) {
    return requests.stream().filter(request -> key.equals(request.idempotencyKey())).toList();
  }

  /** Every side effect performed so far, in order. */
  public synchronized List<Effect> effects() {
    return List.copyOf(effects);
  }

  /**
   * Holds the next {@code count} requests after their effect, before their answer, until {@link
   * #release()}.
   */
  public void holdNext(int count) {
    released = new CountDownLatch(1);
    toHold.set(count);
  }

  /**
   * Takes effect only for requests that carry header {@code name} with exactly {@code value} (an
   * API key, say); any other request is answered 401 and changes nothing.
   */
  public void requireHeader(String name, String value) {
    requiredHeader = Map.entry(name, value);
  }

  /** Answers every request only after {@code latency} (after its effect), as a slow API does. */
  public void respondAfter(Duration latency) {
    this.latency = latency;
  }

  /** How many requests are being held now. */
  public int holding() {
    return holding.get();
  }

  /**
   * Answers the held requests (a client that went away meanwhile gets nothing) and holds no more.
   */
  public void release() {
    toHold.set(0);
    released.countDown();
  }

  @Override
  public void close() {
    release();
    http.stop(0);
    handlers.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      String path = exchange.getRequestURI().toString();
      Map.Entry<String, String> required = requiredHeader;
      if (required != null
          && !required
              .getValue()
              .equals(exchange.getRequestHeaders().getFirst(required.getKey()))) {
        requests.add(new Request(exchange.getRequestMethod(), path, key, body, false));
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      Answer answer = perform(exchange.getRequestMethod(), path, key, body);
      requests.add(new Request(exchange.getRequestMethod(), path, key, body, answer.replayed()));
      if (toHold.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
        hold();
      }
      if (!latency.isZero()) {
        // The API's own response time, not a test waiting for something.
        Thread.sleep(latency);
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (answer.replayed()) {
        exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
      }
      exchange.sendResponseHeaders(200, answer.body().length);
      exchange.getResponseBody().write(answer.body());
    } catch (IOException clientGone) {
      // A client that died while its request was held: nobody reads the answer.
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
  }

  private record Answer(byte[] body, boolean replayed) {}

  /** Takes the request's effect, once per key; the answer to give. */
  private synchronized Answer perform(String method, String path, String key, String body) {
    byte[] earlier = key == null ? null : answersByKey.get(key);
    if (earlier != null) {
      return new Answer(earlier, true);
    }
    Effect effect = new Effect(effects.size() + 1, key, method, path, body);
    effects.add(effect);
    ObjectNode answer =
        ServiceApi.JSON
            .createObjectNode()
            .put("effect", effect.number())
            .put("method", method)
            .put("path", path);
    JsonNode received = effect.bodyJson();
    answer.set("received", received.isMissingNode() ? answer.nullNode() : received);
    byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
    if (key != null) {
      answersByKey.put(key, bytes);
    }
    return new Answer(bytes, false);
  }

  private void hold() {
    holding.incrementAndGet();
    try {
      released.await(HOLD_AT_MOST_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      holding.decrementAndGet();
    }
  }
}
