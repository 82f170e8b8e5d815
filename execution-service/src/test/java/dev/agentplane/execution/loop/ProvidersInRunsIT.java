package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.FakeOpenAiServer.sse;
import static dev.agentplane.execution.support.FakeOpenAiServer.status;
import static dev.agentplane.execution.support.FakeOpenAiServer.tooManyRequests;
import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.execution.support.TestMcpServer.text;
import static dev.agentplane.execution.support.TestMcpServer.tool;
import static dev.agentplane.testkit.OpenAiChunks.finishChunk;
import static dev.agentplane.testkit.OpenAiChunks.textChunk;
import static dev.agentplane.testkit.OpenAiChunks.toolCallArguments;
import static dev.agentplane.testkit.OpenAiChunks.toolCallName;
import static dev.agentplane.testkit.OpenAiChunks.toolCallStart;
import static dev.agentplane.testkit.OpenAiChunks.usageChunk;
import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.FakeOpenAiServer;
import dev.agentplane.execution.support.FakeOpenAiServer.Received;
import dev.agentplane.execution.support.TestMcpServer;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The model providers and remote tools inside whole runs: an {@code openai} model served by a fake
 * OpenAI-compatible server on loopback, its key a tenant secret in the real registry, and {@code
 * mcp} tools served by an MCP server built with the SDK's server side.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvidersInRunsIT extends ExecutionTestSupport {

  private static final String KEY_SECRET = "OPENAI_KEY";
  private static final String ANSWER = "(2 + 3) * 4 is 20, and 10 / 4 is 2.5.";
  private static final String NUMBERS_SCHEMA =
      """
      {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
      """;

  private TestMcpServer mcp;

  @BeforeAll
  void startMcpServer() throws Exception {
    mcp =
        TestMcpServer.builder()
            .tool(
                tool("add", "Adds a and b", NUMBERS_SCHEMA),
                (exchange, request) ->
                    text(
                        new BigDecimal(request.arguments().get("a").toString())
                            .add(new BigDecimal(request.arguments().get("b").toString()))
                            .toPlainString()))
            .start();
  }

  @AfterAll
  void stopMcpServer() throws Exception {
    mcp.close();
  }

  @Test
  void anOpenAiModelCallsABuiltinToolTwiceInParallelFromStreamedFragmentsAndAnswers() {
    String tenant = newTenant();
    String key = "sk-run-" + UUID.randomUUID();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenACalculatorAgent(tenant, key, openAi);
      openAi.answer(
          sse(
              toolCallStart(0, "call_product", "calcu"),
              toolCallName(0, "lator"),
              toolCallArguments(0, "{\"expre"),
              toolCallArguments(0, "ssion\": \"(2 + "),
              toolCallArguments(0, "3) * 4\"}"),
              toolCallStart(1, "call_ratio", "calculator"),
              toolCallArguments(1, "{\"expression\""),
              toolCallArguments(1, ": \"10 / 4\"}"),
              finishChunk("tool_calls"),
              usageChunk(40, 22)));
      openAi.answer(
          sse(
              textChunk("(2 + 3) * 4 is 20,", true),
              textChunk(" and 10 / 4", false),
              textChunk(" is 2.5.", false),
              finishChunk("stop"),
              usageChunk(95, 12)));

      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"Work out two sums\"}");
      JsonNode ended = awaitEnd(token, run);

      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo(ANSWER);
      assertThat(ended.path("steps").asInt()).isEqualTo(4);
      JsonNode usage = ended.path("usage");
      assertThat(usage.path("inputTokens").asLong()).isEqualTo(135);
      assertThat(usage.path("outputTokens").asLong()).isEqualTo(34);
      assertThat(usage.path("totalTokens").asLong()).isEqualTo(169);

      List<Received> received = openAi.received();
      assertThat(received).hasSize(2);
      assertThat(received).extracting(Received::authorization).containsOnly("Bearer " + key);
      JsonNode first = received.get(0).body();
      assertThat(first.path("model").asText()).isEqualTo("gpt-test");
      assertThat(first.path("tools"))
          .extracting(tool -> tool.path("function").path("name").asText())
          .containsExactly("calculator");
      assertThat(first.path("messages"))
          .extracting(message -> message.path("role").asText())
          .containsExactly("system", "user");

      JsonNode messages = received.get(1).body().path("messages");
      assertThat(messages)
          .extracting(message -> message.path("role").asText())
          .containsExactly("system", "user", "assistant", "tool", "tool");
      assertThat(messages.get(2).path("tool_calls"))
          .extracting(
              call -> call.path("id").asText(),
              call -> call.path("function").path("name").asText(),
              call -> call.path("function").path("arguments").asText())
          .containsExactly(
              tuple("call_product", "calculator", "{\"expression\": \"(2 + 3) * 4\"}"),
              tuple("call_ratio", "calculator", "{\"expression\": \"10 / 4\"}"));
      assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("call_product");
      assertThat(messages.get(3).path("content").asText()).isEqualTo("20");
      assertThat(messages.get(4).path("tool_call_id").asText()).isEqualTo("call_ratio");
      assertThat(messages.get(4).path("content").asText()).isEqualTo("2.5");

      List<SseEvent> events = events(token, run);
      assertThat(named(events, "tool.started"))
          .extracting(
              event -> event.path("toolCallId").asText(),
              event -> event.path("toolName").asText(),
              event -> event.path("arguments").path("expression").asText())
          .containsExactly(
              tuple("call_product", "calculator", "(2 + 3) * 4"),
              tuple("call_ratio", "calculator", "10 / 4"));
      assertThat(named(events, "tool.succeeded"))
          .extracting(
              event -> event.path("toolCallId").asText(),
              event -> event.path("resultSummary").asText())
          .containsExactly(tuple("call_product", "20"), tuple("call_ratio", "2.5"));
      assertThat(named(events, "model.completed"))
          .extracting(
              event -> event.path("toolCalls").asInt(),
              event -> event.path("inputTokens").asLong(),
              event -> event.path("outputTokens").asLong())
          .containsExactly(tuple(2, 40L, 22L), tuple(0, 95L, 12L));
      assertThat(named(events, "model.delta")).isNotEmpty();
      assertThat(
              named(events, "model.delta").stream()
                  .map(delta -> delta.path("text").asText())
                  .collect(Collectors.joining()))
          .isEqualTo(ANSWER);
      assertThat(names(events)).last().isEqualTo("run.succeeded");

      JsonNode checkpoints = get(token, "/v1/runs/" + run.path("id").asText() + "/checkpoints");
      assertThat(checkpoints).hasSize(4);
      assertThat(checkpoints.toString()).contains("call_product", "call_ratio").doesNotContain(key);
      assertThat(events.toString()).contains("call_product").doesNotContain(key);
      assertThat(api().get("/v1/runs/" + run.path("id").asText(), token).raw()).doesNotContain(key);
    }
  }

  @Test
  void aModelServerThatAsksToWaitAndThenIsUnavailableIsRetriedAndTheRunStillSucceeds() {
    String tenant = newTenant();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenACalculatorAgent(tenant, "sk-retry-" + UUID.randomUUID(), openAi);
      openAi.answer(tooManyRequests("1"));
      openAi.answer(status(503));
      openAi.answer(sse(textChunk("Nothing to calculate.", true), finishChunk("stop")));

      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"Just say hello\"}");
      JsonNode ended = awaitEnd(token, run);

      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(ended.path("output").asText()).isEqualTo("Nothing to calculate.");
      assertThat(ended.path("steps").asInt()).isEqualTo(1);
      List<Received> received = openAi.received();
      assertThat(received).hasSize(3);
      assertThat(Duration.ofNanos(received.get(1).arrivedAt() - received.get(0).arrivedAt()))
          .as("the wait the 429's Retry-After asked for")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(received)
          .extracting(request -> request.body().path("messages"))
          .allSatisfy(
              messages -> assertThat(messages).isEqualTo(received.get(0).body().path("messages")));
      List<SseEvent> events = events(token, run);
      assertThat(names(events)).doesNotContain("run.failed").last().isEqualTo("run.succeeded");
      assertThat(named(events, "model.completed")).hasSize(1);
    }
  }

  @Test
  void aStreamedToolCallWithoutArgumentsGoesBackToTheModelAsAToolError() {
    String tenant = newTenant();
    String key = "sk-run-" + UUID.randomUUID();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenACalculatorAgent(tenant, key, openAi);
      openAi.answer(
          sse(
              toolCallStart(0, "call_empty", "calculator"),
              finishChunk("tool_calls"),
              usageChunk(10, 5)));
      openAi.answer(sse(textChunk("Sorry.", true), finishChunk("stop"), usageChunk(30, 2)));

      String token = operator(tenant);
      JsonNode run = start(token, "{\"agent\":\"calculating\",\"input\":\"Hm\"}");
      JsonNode ended = awaitEnd(token, run);

      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      assertThat(named(events(token, run), "tool.failed"))
          .singleElement()
          .satisfies(
              event -> {
                assertThat(event.path("toolCallId").asText()).isEqualTo("call_empty");
                assertThat(event.path("errorCode").asText()).isEqualTo("invalid_arguments");
              });
      List<Received> received = openAi.received();
      assertThat(received.get(1).body().path("messages").get(3).path("content").asText())
          .contains("invalid_arguments");
    }
  }

  @Test
  void aStreamedToolCallWithoutANameFailsTheRunAsAnUnreadableReply() {
    String tenant = newTenant();
    String key = "sk-run-" + UUID.randomUUID();
    try (FakeOpenAiServer openAi = FakeOpenAiServer.start()) {
      givenACalculatorAgent(tenant, key, openAi);
      openAi.answer(
          sse(
              toolCallStart(0, "call_nameless", ""),
              toolCallArguments(0, "{}"),
              finishChunk("tool_calls"),
              usageChunk(10, 5)));

      String token = operator(tenant);
      JsonNode ended =
          awaitEnd(token, start(token, "{\"agent\":\"calculating\",\"input\":\"Hm\"}"));

      assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("failed");
      assertThat(ended.path("error").path("code").asText()).isEqualTo("model_invalid_reply");
    }
  }

  @Test
  void aScriptedAgentCallsAnMcpToolWhoseResultFlowsIntoTheAnswer() {
    String tenant = newTenant();
    registry.activeTool(tenant, "adder", mcpToolSpec("add"));
    registry.activeAgent(
        tenant,
        "summing",
        aScriptedAgent()
            .tools("adder")
            .calls("adder", "{'a':'{{input.a}}','b':'{{input.b}}'}")
            .answers("'The sum is {{tool.adder}}'")
            .build());
    int callsBefore = mcp.calls().size();

    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"summing\",\"input\":{\"a\":2,\"b\":40.5}}");
    JsonNode ended = awaitEnd(token, run);

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("The sum is 42.5");
    assertThat(mcp.calls().subList(callsBefore, mcp.calls().size()))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.name()).isEqualTo("add");
              assertThat(call.arguments()).containsEntry("a", 2).containsEntry("b", 40.5);
            });
    List<SseEvent> events = events(token, run);
    assertThat(named(events, "tool.succeeded"))
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.path("toolName").asText()).isEqualTo("adder");
              assertThat(event.path("resultSummary").asText()).isEqualTo("42.5");
            });
    assertThat(named(events, "tool.failed")).isEmpty();
  }

  @Test
  void anMcpToolNamingARemoteToolTheServerDoesNotOfferFailsBackToTheModelAndTheRunGoesOn() {
    String tenant = newTenant();
    registry.activeTool(tenant, "multiplier", mcpToolSpec("multiply"));
    registry.activeAgent(
        tenant,
        "multiplying",
        aScriptedAgent()
            .tools("multiplier")
            .calls("multiplier", "{'a':6,'b':7}")
            .answers("'Could not multiply: {{tool.multiplier}}'")
            .build());
    int callsBefore = mcp.calls().size();

    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"multiplying\",\"input\":\"six times seven\"}");
    JsonNode ended = awaitEnd(token, run);

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("steps").asInt()).isEqualTo(3);
    assertThat(ended.path("output").asText())
        .startsWith("Could not multiply: ")
        .contains("unknown_tool", "'multiply'", "it offers add");
    assertThat(mcp.calls()).hasSize(callsBefore);
    List<SseEvent> events = events(token, run);
    assertThat(named(events, "tool.failed"))
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.path("toolName").asText()).isEqualTo("multiplier");
              assertThat(event.path("errorCode").asText()).isEqualTo("unknown_tool");
              assertThat(event.path("message").asText()).contains("'multiply'");
            });
    assertThat(names(events)).doesNotContain("tool.succeeded").last().isEqualTo("run.succeeded");
  }

  /** The tenant's key in the registry, a calculator tool, and an openai agent that may use it. */
  private void givenACalculatorAgent(String tenant, String key, FakeOpenAiServer openAi) {
    registry.putSecret(tenant, KEY_SECRET, key);
    registry.activeTool(
        tenant,
        "calculator",
        json(
            "{'description':'Evaluates an arithmetic expression','type':'builtin','builtin':{'name':'calculator'},"
                + "'inputSchema':{'type':'object','properties':{'expression':{'type':'string'}},'required':['expression']},"
                + "'risk':'low','approval':'never'}"));
    registry.activeAgent(
        tenant,
        "calculating",
        json(
            "{'description':'Calculates with a real model','kind':'assistant','model':{'provider':'openai','name':'gpt-test',"
                + "'baseUrl':'"
                + openAi.baseUrl()
                + "','apiKeySecret':'"
                + KEY_SECRET
                + "'},'instructions':'Use the calculator for arithmetic.',"
                + "'tools':[{'name':'calculator','version':'active'}]}"));
  }

  private JsonNode mcpToolSpec(String remoteTool) {
    return json(
        "{'description':'A remote arithmetic tool','type':'mcp','mcp':{'serverUrl':'"
            + mcp.url()
            + "','toolName':'"
            + remoteTool
            + "'},'inputSchema':"
            + NUMBERS_SCHEMA.replace('"', '\'').strip()
            + ",'risk':'low','approval':'never'}");
  }
}
