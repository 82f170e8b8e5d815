package dev.agentplane.execution.model;

import static dev.agentplane.execution.support.FakeOpenAiServer.brokenStream;
import static dev.agentplane.execution.support.FakeOpenAiServer.respond;
import static dev.agentplane.execution.support.FakeOpenAiServer.slowStream;
import static dev.agentplane.execution.support.FakeOpenAiServer.sse;
import static dev.agentplane.execution.support.FakeOpenAiServer.status;
import static dev.agentplane.execution.support.FakeOpenAiServer.tooManyRequests;
import static dev.agentplane.testkit.OpenAiChunks.finishChunk;
import static dev.agentplane.testkit.OpenAiChunks.textChunk;
import static dev.agentplane.testkit.OpenAiChunks.toolCallArguments;
import static dev.agentplane.testkit.OpenAiChunks.toolCallStart;
import static dev.agentplane.testkit.OpenAiChunks.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.support.FakeOpenAiServer;
import dev.agentplane.execution.support.FakeOpenAiServer.Received;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The openai provider against a fake OpenAI-compatible server on loopback ({@link
 * FakeOpenAiServer}) that streams Chat Completions as server-sent events, chunked the way OpenAI
 * chunks them.
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

  private FakeOpenAiServer server;
  private final OpenAiCompatibleModels models =
      new OpenAiCompatibleModels(
          SECRETS, new OutboundTargets(List.of("127.0.0.1"), HostResolver.SYSTEM), settings());

  @BeforeEach
  void start() {
    server = FakeOpenAiServer.start();
  }

  @AfterEach
  void stop() {
    models.close();
    server.close();
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
      // Far short of the 20 s reply timeout that would end the held stream otherwise, with room
      // for a stall of a loaded machine.
      assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
          .isLessThan(Duration.ofSeconds(3));
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

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
