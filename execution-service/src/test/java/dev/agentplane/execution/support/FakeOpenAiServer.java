package dev.agentplane.execution.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.testkit.OpenAiChunks;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A fake OpenAI-compatible server on loopback: {@code POST /v1/chat/completions} answered by queued
 * {@link Answer}s in order (streams built from {@link OpenAiChunks}, refusals, broken streams), and
 * every request it was sent kept as {@link Received}. A request with no answer queued gets a 599.
 */
public final class FakeOpenAiServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpServer http;
  private volatile Answer everyRequest;

  private FakeOpenAiServer(HttpServer http) {
    this.http = http;
  }

  /** Starts a server on 127.0.0.1 at a free port. */
  public static FakeOpenAiServer start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      FakeOpenAiServer server = new FakeOpenAiServer(http);
      http.setExecutor(server.handlers);
      http.createContext("/v1/chat/completions", server::handle);
      http.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("The fake OpenAI server did not start", e);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    handlers.shutdownNow();
  }

  /** The base URL an {@code openai} model spec names, ending in {@code /v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  /** Queues the answer to the next request that finds no earlier answer waiting. */
  public void answer(Answer answer) {
    answers.add(answer);
  }

  /** Answers every request alike from now on, whatever is queued. */
  public void answerEveryRequest(Answer answer) {
    everyRequest = answer;
  }

  /** The requests received so far, in the order they arrived. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  private void handle(HttpExchange exchange) throws IOException {
    long arrivedAt = System.nanoTime();
    // Each answer ends the exchange itself, since a broken stream must not end it cleanly.
    try {
      JsonNode body = JSON.readTree(exchange.getRequestBody());
      received.add(
          new Received(arrivedAt, exchange.getRequestHeaders().getFirst("Authorization"), body));
      Answer answer = everyRequest != null ? everyRequest : answers.poll();
      if (answer == null) {
        respond(599, "{\"error\":{\"message\":\"no answer queued\"}}", Map.of()).send(exchange);
      } else if (!"POST".equals(exchange.getRequestMethod())) {
        status(405).send(exchange);
      } else {
        answer.send(exchange);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * What the server was sent, and when it arrived ({@link System#nanoTime()}).
   *
   * @param authorization the {@code Authorization} header as sent, null without one
   * @param body the Chat Completions request
   */
  public record Received(long arrivedAt, String authorization, JsonNode body) {}

  /** How the server answers one request. */
  @FunctionalInterface
  public interface Answer {
    void send(HttpExchange exchange) throws IOException, InterruptedException;
  }

  /** A streamed reply: each chunk as one server-sent event, then {@code [DONE]}. */
  public static Answer sse(String... chunks) {
    return exchange -> {
      OutputStream out = openEventStream(exchange);
      for (String chunk : chunks) {
        writeEvent(out, chunk);
      }
      writeEvent(out, "[DONE]");
      exchange.close();
    };
  }

  /** Sends a first chunk, then holds the stream open until {@code release}. */
  public static Answer slowStream(String firstChunk, CountDownLatch release) {
    return exchange -> {
      OutputStream out = openEventStream(exchange);
      writeEvent(out, firstChunk);
      release.await();
      exchange.close();
    };
  }

  /** Sends a first chunk, holds the stream open until {@code release}, then sends the rest. */
  public static Answer heldStream(String firstChunk, CountDownLatch release, String... rest) {
    return exchange -> {
      OutputStream out = openEventStream(exchange);
      writeEvent(out, firstChunk);
      release.await();
      for (String chunk : rest) {
        writeEvent(out, chunk);
      }
      writeEvent(out, "[DONE]");
      exchange.close();
    };
  }

  /** Sends a chunk, then drops the connection in the middle of the stream. */
  public static Answer brokenStream(String firstChunk) {
    return exchange -> {
      writeEvent(openEventStream(exchange), firstChunk);
      // A handler that throws makes the JDK server close the connection, unfinished.
      throw new IOException("the fake server drops the connection");
    };
  }

  /** An OpenAI-style error body with this status. */
  public static Answer status(int status) {
    return respond(status, "{\"error\":{\"message\":\"status " + status + "\"}}", Map.of());
  }

  /** A 429 asking the caller to come back after {@code retryAfter} (seconds, as the header). */
  public static Answer tooManyRequests(String retryAfter) {
    return respond(
        429, "{\"error\":{\"message\":\"slow down\"}}", Map.of("Retry-After", retryAfter));
  }

  /** A JSON response, not a stream. */
  public static Answer respond(int status, String body, Map<String, String> headers) {
    return exchange -> {
      headers.forEach(exchange.getResponseHeaders()::set);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    };
  }

  private static OutputStream openEventStream(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    return exchange.getResponseBody();
  }

  private static void writeEvent(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
