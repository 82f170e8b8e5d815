package dev.agentplane.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.testkit.OpenAiChunks;
import dev.agentplane.testkit.ServiceApi;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A language model that believes whatever its tools tell it: an OpenAI-compatible Chat Completions
 * server on loopback that streams its replies as OpenAI does ({@code chat.completion.chunk} server
 * sent events, then {@code [DONE]}). With no tool result yet it calls {@code firstTool}; when the
 * latest tool result says {@code CALL <tool> {json}}, it makes exactly that call; otherwise it
 * answers in text. What it was sent and what it replied are kept.
 */
final class GullibleModel implements AutoCloseable {

  /** An instruction hidden in a tool result: a tool's name and flat JSON arguments. */
  private static final Pattern INSTRUCTION = Pattern.compile("CALL ([a-z][a-z0-9-]*) (\\{.*\\})");

  /**
   * One reply: a tool call ({@code tool} and {@code arguments} set) or a text answer ({@code
   * answer} set).
   */
  record Reply(String tool, JsonNode arguments, String answer) {}

  /** One request as it arrived: its {@code Authorization} header and its Chat Completions body. */
  record Received(String authorization, JsonNode body) {}

  private final HttpServer http;
  private final String firstTool;
  private final JsonNode firstArguments;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Reply> replies = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();

  private GullibleModel(HttpServer http, String firstTool, JsonNode firstArguments) {
    this.http = http;
    this.firstTool = firstTool;
    this.firstArguments = firstArguments;
  }

  /** Starts the model on 127.0.0.1 at a free port; its first move is to call {@code firstTool}. */
  static GullibleModel start(String firstTool) {
    return start(firstTool, ServiceApi.JSON.createObjectNode());
  }

  /** As {@link #start(String)}, calling {@code firstTool} with {@code firstArguments}. */
  static GullibleModel start(String firstTool, JsonNode firstArguments) {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      GullibleModel model = new GullibleModel(http, firstTool, firstArguments);
      http.setExecutor(model.handlers);
      http.createContext("/v1/chat/completions", model::handle);
      http.start();
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException("The gullible model did not start", e);
    }
  }

  /** The {@code baseUrl} of an {@code openai} model spec. */
  String baseUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  List<Reply> replies() {
    return List.copyOf(replies);
  }

  @Override
  public void close() {
    http.stop(0);
    handlers.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode body = ServiceApi.JSON.readTree(exchange.getRequestBody());
      received.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), body));
      Reply reply = decide(body.path("messages"));
      replies.add(reply);
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      for (String chunk : chunks(reply)) {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private Reply decide(JsonNode messages) throws IOException {
    String latestToolResult = null;
    for (JsonNode message : messages) {
      if ("tool".equals(message.path("role").asText())) {
        latestToolResult = message.path("content").asText();
      }
    }
    if (latestToolResult == null) {
      return new Reply(firstTool, firstArguments, null);
    }
    Matcher instruction = INSTRUCTION.matcher(latestToolResult);
    if (instruction.find()) {
      return new Reply(instruction.group(1), ServiceApi.JSON.readTree(instruction.group(2)), null);
    }
    return new Reply(null, null, "Done. The tool said: " + latestToolResult);
  }

  private List<String> chunks(Reply reply) {
    List<String> chunks = new ArrayList<>();
    if (reply.answer() != null) {
      chunks.add(OpenAiChunks.textChunk(reply.answer(), true));
      chunks.add(OpenAiChunks.finishChunk("stop"));
    } else {
      chunks.add(OpenAiChunks.toolCallStart(0, "call_" + calls.incrementAndGet(), reply.tool()));
      chunks.add(OpenAiChunks.toolCallArguments(0, reply.arguments().toString()));
      chunks.add(OpenAiChunks.finishChunk("tool_calls"));
    }
    chunks.add(OpenAiChunks.usageChunk(50, 10));
    return chunks;
  }
}
