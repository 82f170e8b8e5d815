package dev.agentplane.bench.sse;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.testkit.OpenAiChunks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * An OpenAI-compatible model server on loopback that streams every chat completion slowly: {@link
 * #ticks} text chunks, one per {@link #TICK}, then the finish and usage chunks. A run of an agent
 * on it emits a steady stream of {@code model.delta} events for as long as the reply lasts, the
 * load an SSE watcher of a chatty model sees.
 */
final class TickingModel implements AutoCloseable {

  /** Chunks are this far apart: 10 per second. */
  static final Duration TICK = Duration.ofMillis(100);

  private final HttpServer http;
  private volatile int ticks = 1;

  private TickingModel(HttpServer http) {
    this.http = http;
  }

  static TickingModel start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
      TickingModel model = new TickingModel(http);
      http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      http.createContext("/v1/chat/completions", model::answer);
      http.start();
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException("The ticking model server did not start", e);
    }
  }

  /** The {@code baseUrl} of an agent's {@code openai} model block. */
  String baseUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  /** How many text chunks the replies begun from now on stream. */
  void ticks(int ticks) {
    this.ticks = ticks;
  }

  private void answer(HttpExchange exchange) throws IOException {
    int chunks = ticks;
    try (exchange;
        InputStream request = exchange.getRequestBody()) {
      request.transferTo(OutputStream.nullOutputStream());
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      long next = System.nanoTime();
      for (int i = 0; i < chunks; i++) {
        // Paced against a schedule, not slept per chunk, so writing does not stretch the reply;
        // the first chunk waits a tick too, so watchers that open as the run starts see it live.
        next += TICK.toNanos();
        long wait;
        while ((wait = next - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        send(out, OpenAiChunks.textChunk("tick " + i + " ", i == 0));
      }
      send(out, OpenAiChunks.finishChunk("stop"));
      send(out, OpenAiChunks.usageChunk(10, chunks * 2));
      send(out, "[DONE]");
    }
  }

  private static void send(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
