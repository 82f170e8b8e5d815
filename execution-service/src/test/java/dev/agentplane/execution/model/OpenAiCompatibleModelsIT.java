package dev.agentplane.execution.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The openai provider against a fake OpenAI-compatible server on loopback that streams Chat
 * Completions as server-sent events, chunked the way OpenAI chunks them.
 */
class OpenAiCompatibleModelsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TENANT = "acme";
  private static final String KEY_SECRET = "openai-key";
  private static final String KEY = "sk-test-0123456789";
  private static final int ATTEMPTS = 3;

  private static final TenantSecrets SECRETS =
      (tenant, name) ->
          TENANT.equals(tenant) && KEY_SECRET.equals(name) ? Optional.of(KEY) : Optional.empty();

  private final FakeOpenAi server = new FakeOpenAi();
  private final OpenAiCompatibleModels models =
      new OpenAiCompatibleModels(
          SECRETS, new OutboundTargets(List.of("127.0.0.1"), HostResolver.SYSTEM), settings());

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() {
    models.close();
    server.stop();
  }

  @Test
  void aStreamedAnswerArrivesAsDeltasAndAsTheReply() throws Exception {
    server.answer(
        sse(
            textChunk("Hel", true),
            textChunk("lo, ", false),
            textChunk("world!", false),
            finishChunk("stop"),
            usageChunk(12, 5)));
    List<String> deltas = new ArrayList<>();

    ModelReply reply = models.complete(request(List.of(), conversation()), deltas::add);

    assertThat(deltas).containsExactly("Hel", "lo, ", "world!");
    assertThat(reply.content()).isEqualTo("Hello, world!");
    assertThat(reply.toolCalls()).isEmpty();
    assertThat(reply.finishReason()).isEqualTo("stop");
    assertThat(reply.usage()).isEqualTo(new TokenUsage(12, 5));
  }

  @Test
  void parallelToolCallsAreAssembledFromArgumentFragments() throws Exception {
    server.answer(
        sse(
            toolCallStart(0, "call_weather", "weather"),
            toolCallArguments(0, "{\"ci"),
            toolCallArguments(0, "ty\": \"Pa"),
            toolCallArguments(0, "ris\", \"da"),
            toolCallArguments(0, "ys\": 3}"),
            toolCallStart(1, "call_news", "news"),
            toolCallArguments(1, "{\"topic\""),
            toolCallArguments(1, ": \"rail "),
            toolCallArguments(1, "strikes\"}"),
            finishChunk("tool_calls"),
            usageChunk(40, 22)));
    List<String> deltas = new ArrayList<>();

    ModelReply reply = models.complete(request(tools(), conversation()), deltas::add);

    assertThat(reply.toolCalls())
        .extracting(ToolCall::id, ToolCall::name, ToolCall::arguments)
        .containsExactly(
            tuple("call_weather", "weather", "{\"city\": \"Paris\", \"days\": 3}"),
            tuple("call_news", "news", "{\"topic\": \"rail strikes\"}"));
    assertThat(reply.content()).isNull();
    assertThat(reply.finishReason()).isEqualTo("tool_calls");
    assertThat(reply.usage()).isEqualTo(new TokenUsage(40, 22));
    assertThat(deltas).isEmpty();
  }

  @Test
  void theServerHearsTheKeyTheToolsAndTheToolResultsInOpenAiFormat() throws Exception {
    server.answer(sse(textChunk("ok", true), finishChunk("stop")));
    List<ChatMessage> conversation = new ArrayList<>(conversation());
    conversation.add(
        ChatMessage.assistant(
            null, List.of(new ToolCall("call_weather", "weather", "{\"city\":\"Paris\"}"))));
    conversation.add(ChatMessage.toolResult("call_weather", "weather", "{\"sky\":\"clear\"}"));

    models.complete(request(tools(), conversation), ModelDeltas.IGNORED);

    Received received = server.received().getFirst();
    assertThat(received.authorization()).isEqualTo("Bearer " + KEY);
    JsonNode body = received.body();
    assertThat(body.path("model").asText()).isEqualTo("gpt-test");
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
    assertThat(body.path("stream").asBoolean()).isTrue();
    assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(body.path("tools"))
        .containsExactly(
            json(
                """
                {"type": "function", "function": {
                  "name": "weather", "description": "The forecast for a city",
                  "parameters": {"type": "object",
                    "properties": {
                      "city": {"type": "string", "minLength": 1},
                      "days": {"type": "integer", "minimum": 1, "maximum": 14}},
                    "required": ["city"]}}}
                """),
            json(
                """
                {"type": "function", "function": {
                  "name": "news", "description": "Headlines on a topic",
                  "parameters": {"type": "object",
                    "properties": {"topic": {"type": "string"}}, "required": []}}}
                """));
    JsonNode messages = body.path("messages");
    assertThat(messages)
        .extracting(m -> m.path("role").asText())
        .containsExactly("system", "user", "assistant", "tool");
    assertThat(messages.get(2).path("tool_calls"))
        .containsExactly(
            json(
                """
                {"id": "call_weather", "type": "function",
                 "function": {"name": "weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}
                """));
    assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("call_weather");
    assertThat(messages.get(3).path("content").asText()).isEqualTo("{\"sky\":\"clear\"}");
  }

  @Test
  void aTooManyRequestsIsRetriedAfterTheWaitTheServerAskedFor() throws Exception {
    server.answer(tooManyRequests("1"));
    server.answer(sse(textChunk("late but fine", true), finishChunk("stop")));

    ModelReply reply = models.complete(request(List.of(), conversation()), ModelDeltas.IGNORED);

    assertThat(reply.content()).isEqualTo("late but fine");
    List<Received> received = server.received();
    assertThat(received).hasSize(2);
    assertThat(Duration.ofNanos(received.get(1).arrivedAt() - received.get(0).arrivedAt()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void unavailableServersAreRetriedWithBackoff() throws Exception {
    server.answer(status(503));
    server.answer(status(503));
    server.answer(sse(textChunk("third time", true), finishChunk("stop")));

    ModelReply reply = models.complete(request(List.of(), conversation()), ModelDeltas.IGNORED);

    assertThat(reply.content()).isEqualTo("third time");
    assertThat(server.received()).hasSize(3);
  }

  @Test
  void aRefusedKeyIsRejectedAtOnceWithoutTheKeyInTheMessage() {
    server.answer(
        respond(
            401,
            "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\"}}",
            Map.of()));

    assertThatThrownBy(
            () -> models.complete(request(List.of(), conversation()), ModelDeltas.IGNORED))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.code()).isEqualTo("model_rejected");
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("401", "Incorrect API key").doesNotContain(KEY);
            });
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void aServerThatKeepsFailingIsUnavailableAfterTheConfiguredAttempts() {
    server.answerEveryRequest(status(500));

    assertThatThrownBy(
            () -> models.complete(request(List.of(), conversation()), ModelDeltas.IGNORED))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.code()).isEqualTo("model_unavailable");
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("3 attempts", "HTTP 500");
            });
    assertThat(server.received()).hasSize(ATTEMPTS);
  }

  @Test
  void aStreamBrokenAfterTheFirstTextIsNotRetried() {
    server.answer(brokenStream(textChunk("Half an ans", true)));
    List<String> deltas = new CopyOnWriteArrayList<>();

    assertThatThrownBy(() -> models.complete(request(List.of(), conversation()), deltas::add))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.code()).isEqualTo("model_unavailable");
              assertThat(e.getMessage()).contains("while streaming");
            });
    assertThat(deltas).containsExactly("Half an ans");
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void anInterruptAbortsASlowStreamPromptly() throws Exception {
    CountDownLatch releaseStream = new CountDownLatch(1);
    server.answer(slowStream(textChunk("thinking", true), releaseStream));
    CountDownLatch firstDelta = new CountDownLatch(1);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    models.complete(
                        request(List.of(), conversation()), text -> firstDelta.countDown());
                    outcome.complete(null);
                  } catch (Throwable e) {
                    outcome.complete(e);
                  }
                });

    try {
      assertThat(firstDelta.await(10, TimeUnit.SECONDS)).isTrue();
      long interruptedAt = System.nanoTime();
      caller.interrupt();

      assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
          .isLessThan(Duration.ofSeconds(2));
    } finally {
      releaseStream.countDown();
    }
  }

  @Test
  void anInterruptEndsTheWaitBeforeARetry() throws Exception {
    server.answer(tooManyRequests("5"));
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    models.complete(request(List.of(), conversation()), ModelDeltas.IGNORED);
                    outcome.complete(null);
                  } catch (Throwable e) {
                    outcome.complete(e);
                  }
                });
    await().atMost(Duration.ofSeconds(5)).until(() -> isSleeping(caller));

    caller.interrupt();

    assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(server.received()).hasSize(1);
  }

  /** Whether the thread waits in {@link Thread#sleep}, as the provider does between attempts. */
  private static boolean isSleeping(Thread thread) {
    return Arrays.stream(thread.getStackTrace())
        .anyMatch(
            frame ->
                frame.getClassName().equals(Thread.class.getName())
                    && frame.getMethodName().startsWith("sleep"));
  }

  @Test
  void aPrivateHostThatIsNotAllowedIsRefusedBeforeAnyRequest() {
    OpenAiCompatibleModels guarded =
        new OpenAiCompatibleModels(
            SECRETS, new OutboundTargets(List.of(), HostResolver.SYSTEM), settings());
    try {
      assertThatThrownBy(
              () -> guarded.complete(request(List.of(), conversation()), ModelDeltas.IGNORED))
          .isInstanceOfSatisfying(
              ModelException.class,
              e -> {
                assertThat(e.code()).isEqualTo("model_rejected");
                assertThat(e.getMessage()).contains("127.0.0.1");
              });
      assertThat(server.received()).isEmpty();
    } finally {
      guarded.close();
    }
  }

  @Test
  void aMissingKeySecretIsRejectedBeforeAnyRequest() {
    ModelRequest withoutKey =
        new ModelRequest(
            TENANT,
            UUID.randomUUID(),
            1,
            new ModelSettings(
                "openai", "gpt-test", null, null, server.baseUrl(), "no-such-secret", null),
            conversation(),
            List.of(),
            null);

    assertThatThrownBy(() -> models.complete(withoutKey, ModelDeltas.IGNORED))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.code()).isEqualTo("model_rejected");
              assertThat(e.getMessage()).contains("no-such-secret");
            });
    assertThat(server.received()).isEmpty();
  }

  private ModelRequest request(List<ToolDefinition> tools, List<ChatMessage> conversation) {
    return new ModelRequest(
        TENANT,
        UUID.randomUUID(),
        1,
        new ModelSettings("openai", "gpt-test", 0.2, 256, server.baseUrl(), KEY_SECRET, null),
        conversation,
        tools,
        json("{\"city\":\"Paris\"}"));
  }

  private static List<ChatMessage> conversation() {
    return List.of(ChatMessage.system("Be brief."), ChatMessage.user("Plan a trip to Paris"));
  }

  private static List<ToolDefinition> tools() {
    return List.of(
        new ToolDefinition(
            "weather",
            "The forecast for a city",
            json(
                """
                {"type": "object",
                 "properties": {
                   "city": {"type": "string", "minLength": 1},
                   "days": {"type": "integer", "minimum": 1, "maximum": 14}},
                 "required": ["city"]}
                """)),
        new ToolDefinition(
            "news",
            "Headlines on a topic",
            json("{\"type\": \"object\", \"properties\": {\"topic\": {\"type\": \"string\"}}}")));
  }

  private static OpenAiCallSettings settings() {
    return new OpenAiCallSettings(
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(20),
        ATTEMPTS,
        Duration.ofMillis(10),
        Duration.ofMillis(40),
        Duration.ofSeconds(5));
  }

  // ---- OpenAI stream chunks ----

  private static ObjectNode chunk(ObjectNode delta, String finishReason) {
    ObjectNode choice = JSON.createObjectNode().put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    ObjectNode chunk =
        JSON.createObjectNode()
            .put("id", "chatcmpl-1")
            .put("object", "chat.completion.chunk")
            .put("created", 1_700_000_000)
            .put("model", "gpt-test");
    chunk.putArray("choices").add(choice);
    return chunk;
  }

  private static String textChunk(String text, boolean first) {
    ObjectNode delta = JSON.createObjectNode();
    if (first) {
      delta.put("role", "assistant");
    }
    return chunk(delta.put("content", text), null).toString();
  }

  /** The first chunk of a tool call: its index, id and name, and no arguments yet. */
  private static String toolCallStart(int index, String id, String name) {
    ObjectNode call =
        JSON.createObjectNode().put("index", index).put("id", id).put("type", "function");
    call.putObject("function").put("name", name).put("arguments", "");
    ObjectNode delta = JSON.createObjectNode().put("role", "assistant").putNull("content");
    delta.putArray("tool_calls").add(call);
    return chunk(delta, null).toString();
  }

  /** A later chunk of a tool call: only its index and a fragment of its arguments. */
  private static String toolCallArguments(int index, String fragment) {
    ObjectNode call = JSON.createObjectNode().put("index", index);
    call.putObject("function").put("arguments", fragment);
    ObjectNode delta = JSON.createObjectNode();
    delta.putArray("tool_calls").add(call);
    return chunk(delta, null).toString();
  }

  private static String finishChunk(String reason) {
    return chunk(JSON.createObjectNode(), reason).toString();
  }

  private static String usageChunk(int promptTokens, int completionTokens) {
    ObjectNode chunk =
        JSON.createObjectNode()
            .put("id", "chatcmpl-1")
            .put("object", "chat.completion.chunk")
            .put("created", 1_700_000_000)
            .put("model", "gpt-test");
    chunk.putArray("choices");
    chunk
        .putObject("usage")
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return chunk.toString();
  }

  // ---- Answers of the fake server ----

  /** How the fake server answers one request. */
  @FunctionalInterface
  private interface Answer {
    void send(HttpExchange exchange) throws IOException, InterruptedException;
  }

  private static Answer sse(String... chunks) {
    return exchange -> {
      OutputStream out = openEventStream(exchange);
      for (String chunk : chunks) {
        writeEvent(out, chunk);
      }
      writeEvent(out, "[DONE]");
      exchange.close();
    };
  }

  private static Answer slowStream(String firstChunk, CountDownLatch release) {
    return exchange -> {
      OutputStream out = openEventStream(exchange);
      writeEvent(out, firstChunk);
      release.await();
      exchange.close();
    };
  }

  /** Sends a chunk, then drops the connection in the middle of the stream. */
  private static Answer brokenStream(String firstChunk) {
    return exchange -> {
      writeEvent(openEventStream(exchange), firstChunk);
      // A handler that throws makes the JDK server close the connection, unfinished.
      throw new IOException("the fake server drops the connection");
    };
  }

  private static Answer status(int status) {
    return respond(status, "{\"error\":{\"message\":\"status " + status + "\"}}", Map.of());
  }

  private static Answer tooManyRequests(String retryAfter) {
    return respond(
        429, "{\"error\":{\"message\":\"slow down\"}}", Map.of("Retry-After", retryAfter));
  }

  private static Answer respond(int status, String body, Map<String, String> headers) {
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

  /** What the fake server was sent, and when it arrived ({@link System#nanoTime()}). */
  private record Received(long arrivedAt, String authorization, JsonNode body) {}

  /** POST /v1/chat/completions on loopback, answered by queued answers in order. */
  private static final class FakeOpenAi {

    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Answer everyRequest;
    private HttpServer http;

    void start() throws IOException {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      http.setExecutor(handlers);
      http.createContext("/v1/chat/completions", this::handle);
      http.start();
    }

    void stop() {
      http.stop(0);
      handlers.shutdownNow();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
    }

    void answer(Answer answer) {
      answers.add(answer);
    }

    void answerEveryRequest(Answer answer) {
      everyRequest = answer;
    }

    List<Received> received() {
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
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
