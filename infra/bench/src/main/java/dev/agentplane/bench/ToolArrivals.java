package dev.agentplane.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP tool the benchmark's agents call, on loopback: it answers at once and notes when each
 * call arrived ({@link System#nanoTime()}), by the run id its {@code Idempotency-Key} ({@code <run
 * id>:<tool call id>}) starts with, so a scenario can time "decision → tool invoked". Unlike the
 * tests' counting server it keeps no request bodies, so tens of thousands of calls cost nothing.
 */
public final class ToolArrivals implements AutoCloseable {

  private static final byte[] ANSWER = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  private final HttpServer http;
  private final ConcurrentMap<String, CompletableFuture<Long>> arrivals = new ConcurrentHashMap<>();
  private final LongAdder calls = new LongAdder();

  private ToolArrivals(HttpServer http) {
    this.http = http;
  }

  public static ToolArrivals start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
      ToolArrivals server = new ToolArrivals(http);
      http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      http.createContext("/", server::handle);
      http.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("The tool server did not start", e);
    }
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public String url(String path) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + path;
  }

  /** Completes with the arrival time of the first call made by run {@code runId}. */
  public CompletableFuture<Long> arrivalOf(String runId) {
    return arrivals.computeIfAbsent(runId, ignored -> new CompletableFuture<>());
  }

  /** Forgets a run's arrival (a scenario that timed it no longer needs it). */
  public void forget(String runId) {
    arrivals.remove(runId);
  }

  /** Calls answered so far. */
  public long calls() {
    return calls.sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    long arrived = System.nanoTime();
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      body.transferTo(OutputStream.nullOutputStream());
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      if (key != null && key.indexOf(':') > 0) {
        String runId = key.substring(0, key.indexOf(':'));
        // Only runs a scenario waits for are remembered; the rest are counted.
        CompletableFuture<Long> waiting = arrivals.get(runId);
        if (waiting != null) {
          waiting.complete(arrived);
        }
      }
      calls.increment();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, ANSWER.length);
      exchange.getResponseBody().write(ANSWER);
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
