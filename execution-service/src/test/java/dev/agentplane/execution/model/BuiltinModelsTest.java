package dev.agentplane.execution.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BuiltinModelsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID RUN = UUID.fromString("00000000-0000-0000-0000-000000000001");

  private final BuiltinModels models = new BuiltinModels();

  @Test
  void echoAnswersWithAStringInputAsIs() {
    ModelReply reply = complete(echo(), List.of(), "\"hello there\"");

    assertThat(reply.content()).isEqualTo("hello there");
    assertThat(reply.toolCalls()).isEmpty();
    assertThat(reply.finishReason()).isEqualTo("stop");
  }

  @Test
  void echoAnswersWithAnyOtherInputAsItsJsonTextAndNeverCallsTools() {
    ModelReply reply =
        complete(echo(), List.of(tool("lookup", "{\"type\":\"object\"}")), "{\"a\":[1,true]}");

    assertThat(reply.content()).isEqualTo("{\"a\":[1,true]}");
    assertThat(reply.toolCalls()).isEmpty();
  }

  @Test
  void aScriptedTurnCallsToolsWithTemplatesFilledFromTheInput() {
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [
               {"tool": "weather", "arguments": {
                  "city": "{{input.city}}",
                  "days": "{{input.days}}",
                  "where": "{{ input.trip.stops.1 }}",
                  "note": "{{input.city}} for {{input.days}} days",
                  "missing": "{{input.nope.deeper}}",
                  "everything": "{{input}}",
                  "typo": "{{inptu.city}}",
                  "list": ["{{input.city}}", 7]}},
               {"tool": "news"}]}]
            """);
    String input = "{\"city\":\"Paris\",\"days\":3,\"trip\":{\"stops\":[\"Lyon\",\"Nice\"]}}";

    ModelReply reply = complete(settings, messages(), List.of(), input, 4);

    assertThat(reply.finishReason()).isEqualTo("tool_calls");
    assertThat(reply.content()).isNull();
    assertThat(reply.toolCalls())
        .extracting(ToolCall::id, ToolCall::name)
        .containsExactly(tuple("call_4_0", "weather"), tuple("call_4_1", "news"));
    assertThat(json(reply.toolCalls().get(0).arguments()))
        .isEqualTo(
            json(
                """
                {"city": "Paris", "days": 3, "where": "Nice", "note": "Paris for 3 days",
                 "missing": "", "everything": %s, "typo": "{{inptu.city}}",
                 "list": ["Paris", 7]}
                """
                    .formatted(input)));
    assertThat(reply.toolCalls().get(1).arguments()).isEqualTo("{}");
  }

  @Test
  void theTurnPlayedIsTheNumberOfAssistantMessagesSoFar() {
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [{"tool": "weather", "arguments": {}}]},
             {"toolCalls": [{"tool": "count", "arguments": {}}]},
             {"answer": "done"}]
            """);

    List<ChatMessage> afterOneTurn = afterToolTurn(messages(), "weather", "{\"sky\":\"clear\"}");
    List<ChatMessage> afterTwoTurns = afterToolTurn(afterOneTurn, "count", "42");

    assertThat(complete(settings, messages(), List.of(), "{}", 1).toolCalls())
        .extracting(ToolCall::name)
        .containsExactly("weather");
    assertThat(complete(settings, afterOneTurn, List.of(), "{}", 2).toolCalls())
        .extracting(ToolCall::name)
        .containsExactly("count");
    assertThat(complete(settings, afterTwoTurns, List.of(), "{}", 3).content()).isEqualTo("done");
  }

  @Test
  void toolTemplatesTakeTheLatestResultAndAWholeValueTemplateKeepsItsJson() {
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [{"tool": "weather", "arguments": {}}]},
             {"toolCalls": [{"tool": "mood", "arguments": {}}]},
             {"toolCalls": [{"tool": "mood", "arguments": {}}]},
             {"answer": {
                "weather": "{{tool.weather}}",
                "sky": "Sky: {{tool.weather}}",
                "mood": "{{tool.mood}}",
                "last": "{{last}}",
                "never": "{{tool.never}}"}}]
            """);
    List<ChatMessage> conversation = afterToolTurn(messages(), "weather", "{\"sky\":\"clear\"}");
    conversation = afterToolTurn(conversation, "mood", "grumpy");
    conversation = afterToolTurn(conversation, "mood", "sunny 42");

    ModelReply reply = complete(settings, conversation, List.of(), "{}", 4);

    assertThat(json(reply.content()))
        .isEqualTo(
            json(
                """
                {"weather": {"sky": "clear"}, "sky": "Sky: {\\"sky\\":\\"clear\\"}",
                 "mood": "sunny 42", "last": "sunny 42", "never": ""}
                """));
  }

  @Test
  void aWholeValueToolTemplateTurnsANumericResultIntoANumber() {
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [{"tool": "count", "arguments": {}}]},
             {"answer": {"count": "{{tool.count}}", "last": "{{last}}"}}]
            """);

    ModelReply reply =
        complete(settings, afterToolTurn(messages(), "count", "42"), List.of(), "{}", 2);

    assertThat(reply.content()).isEqualTo("{\"count\":42,\"last\":42}");
  }

  @Test
  void aStringAnswerIsTheReplyTextAndATemplateOfAStringInputIsItsText() {
    ModelSettings settings = scripted("[{\"answer\": \"You said: {{input}}\"}]");

    assertThat(complete(settings, messages(), List.of(), "\"hi\"", 1).content())
        .isEqualTo("You said: hi");
  }

  @Test
  void anExhaustedScriptAnswersWithASummaryOfTheToolResults() {
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [{"tool": "lookup", "arguments": {}},
                            {"tool": "search", "arguments": {}}]}]
            """);
    List<ChatMessage> conversation = new ArrayList<>(messages());
    conversation.add(
        ChatMessage.assistant(
            null,
            List.of(
                new ToolCall("call_1_0", "lookup", "{}"),
                new ToolCall("call_1_1", "search", "{}"))));
    conversation.add(ChatMessage.toolResult("call_1_0", "lookup", "{\"id\":7}"));
    conversation.add(ChatMessage.toolResult("call_1_1", "search", "3 hits"));

    ModelReply reply = complete(settings, conversation, List.of(), "{}", 2);

    assertThat(reply.content()).isEqualTo("lookup → {\"id\":7}; search → 3 hits");
    assertThat(reply.finishReason()).isEqualTo("stop");
  }

  @Test
  void withoutAScriptTheFirstTurnCallsEachToolWithArgumentsFromTheInput() {
    ToolDefinition lookup =
        tool(
            "lookup",
            """
            {"type": "object",
             "properties": {
               "city": {"type": "string"},
               "days": {"type": "integer"},
               "ratio": {"type": "number"},
               "exact": {"type": ["null", "boolean"]},
               "tags": {"type": "array"},
               "filter": {"type": "object"},
               "anything": {},
               "optional": {"type": "string"}},
             "required": ["city", "days", "ratio", "exact", "tags", "filter", "anything"]}
            """);
    ToolDefinition search =
        tool(
            "search",
            """
            {"type": "object",
             "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
             "required": ["query"]}
            """);

    ModelReply reply =
        complete(scripted(null), messages(), List.of(lookup, search), "{\"city\":\"Paris\"}", 1);

    assertThat(reply.toolCalls()).extracting(ToolCall::id).containsExactly("call_1_0", "call_1_1");
    assertThat(json(reply.toolCalls().get(0).arguments()))
        .isEqualTo(
            json(
                """
                {"city": "Paris", "days": 0, "ratio": 0, "exact": false, "tags": [],
                 "filter": {}, "anything": null}
                """));
    assertThat(reply.toolCalls().get(1).arguments()).isEqualTo("{\"query\":\"\"}");
  }

  @Test
  void withoutAScriptAStringInputFillsRequiredStrings() {
    ToolDefinition search =
        tool(
            "search",
            """
            {"type": "object",
             "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
             "required": ["query"]}
            """);

    ModelReply reply =
        complete(scripted(null), messages(), List.of(search), "\"cheap flights\"", 1);

    assertThat(reply.toolCalls().get(0).arguments()).isEqualTo("{\"query\":\"cheap flights\"}");
  }

  @Test
  void withoutAScriptTheSecondTurnSummarisesTheResults() {
    ToolDefinition lookup = tool("lookup", "{\"type\":\"object\"}");
    List<ChatMessage> conversation = afterToolTurn(messages(), "lookup", "{\"id\":7}");

    ModelReply reply = complete(scripted(null), conversation, List.of(lookup), "{}", 2);

    assertThat(reply.content()).isEqualTo("lookup → {\"id\":7}");
    assertThat(reply.toolCalls()).isEmpty();
  }

  @Test
  void withoutAScriptOrToolsItAnswersWithTheInput() {
    assertThat(complete(scripted(null), messages(), List.of(), "{\"q\":1}", 1).content())
        .isEqualTo("{\"q\":1}");
  }

  @Test
  void tokensAreCharactersDividedByFourRoundedUp() {
    // Messages: "Be brief." (9) + "hello" (5) + assistant arguments "{\"a\":1}" (7) + "ok" (2) =
    // 23.
    List<ChatMessage> conversation =
        List.of(
            ChatMessage.system("Be brief."),
            ChatMessage.user("hello"),
            ChatMessage.assistant(null, List.of(new ToolCall("c", "t", "{\"a\":1}"))),
            ChatMessage.toolResult("c", "t", "ok"));
    ModelSettings settings =
        scripted(
            """
            [{"toolCalls": [{"tool": "t", "arguments": {}}]},
             {"toolCalls": [{"tool": "t", "arguments": {"q": "abcd"}},
                            {"tool": "t", "arguments": {}}]}]
            """);

    ModelReply toolCalls = complete(settings, conversation, List.of(), "{}", 2);
    ModelReply answer = complete(echo(), conversation, List.of(), "\"12345\"", 2);

    // Output: {"q":"abcd"} (12) + {} (2) = 14 → 4; "12345" (5) → 2.
    assertThat(toolCalls.usage()).isEqualTo(new TokenUsage(6, 4));
    assertThat(answer.usage()).isEqualTo(new TokenUsage(6, 2));
  }

  @Test
  void theReplyTextStreamsInSeveralDeltasThatConcatenateToIt() {
    String words = "one two  three four five six seven eight nine ten";
    List<String> deltas = new ArrayList<>();

    ModelReply reply =
        models.complete(
            request(echo(), messages(), List.of(), JSON.valueToTree(words), 1), deltas::add);

    assertThat(deltas).hasSizeGreaterThan(2);
    assertThat(String.join("", deltas)).isEqualTo(reply.content()).isEqualTo(words);
  }

  @Test
  void toolCallsStreamNoText() {
    List<String> deltas = new ArrayList<>();
    models.complete(
        request(scripted("[{\"toolCalls\":[{\"tool\":\"t\"}]}]"), messages(), List.of(), null, 1),
        deltas::add);

    assertThat(deltas).isEmpty();
  }

  @Test
  void theSameRequestGetsTheSameReply() {
    ToolDefinition lookup =
        tool("lookup", "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}");
    ModelRequest request =
        request(scripted(null), messages(), List.of(lookup), json("{\"id\":7}"), 5);

    assertThat(models.complete(request, ModelDeltas.IGNORED))
        .isEqualTo(models.complete(request, ModelDeltas.IGNORED));
  }

  @Test
  void anUnknownModelIsRejected() {
    assertThatThrownBy(() -> complete(builtin("gpt-builtin", null), List.of(), "{}"))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.code()).isEqualTo("model_rejected");
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("gpt-builtin", "echo", "scripted");
            });
  }

  @Test
  void aMalformedScriptIsRejected() {
    for (String script :
        List.of(
            "{\"answer\": 1}",
            "[{\"answer\": 1, \"toolCalls\": [{\"tool\": \"t\"}]}]",
            "[{\"toolCalls\": []}]",
            "[{\"toolCalls\": [{\"arguments\": {}}]}]",
            "[\"answer\"]")) {
      assertThatThrownBy(() -> complete(scripted(script), List.of(), "{}"))
          .as(script)
          .isInstanceOfSatisfying(
              ModelException.class, e -> assertThat(e.code()).isEqualTo("model_rejected"));
    }
  }

  @Test
  void itIsTheBuiltinProvider() {
    assertThat(models.provider()).isEqualTo("builtin");
  }

  private ModelReply complete(ModelSettings settings, List<ToolDefinition> tools, String input) {
    return complete(settings, messages(), tools, input, 1);
  }

  private ModelReply complete(
      ModelSettings settings,
      List<ChatMessage> conversation,
      List<ToolDefinition> tools,
      String input,
      int step) {
    return models.complete(
        request(settings, conversation, tools, json(input), step), ModelDeltas.IGNORED);
  }

  private static ModelRequest request(
      ModelSettings settings,
      List<ChatMessage> conversation,
      List<ToolDefinition> tools,
      JsonNode input,
      int step) {
    return new ModelRequest("acme", RUN, step, settings, conversation, tools, input);
  }

  private static List<ChatMessage> messages() {
    return List.of(ChatMessage.system("Be brief."), ChatMessage.user("Plan my trip"));
  }

  /** The conversation after one more assistant turn that called {@code tool}, and its result. */
  private static List<ChatMessage> afterToolTurn(
      List<ChatMessage> conversation, String tool, String result) {
    List<ChatMessage> next = new ArrayList<>(conversation);
    String id = "call_" + next.size();
    next.add(ChatMessage.assistant(null, List.of(new ToolCall(id, tool, "{}"))));
    next.add(ChatMessage.toolResult(id, tool, result));
    return next;
  }

  private static ModelSettings echo() {
    return builtin("echo", null);
  }

  private static ModelSettings scripted(String script) {
    return builtin(
        "scripted", script == null ? null : JSON.createObjectNode().set("script", json(script)));
  }

  private static ModelSettings builtin(String name, JsonNode params) {
    return new ModelSettings("builtin", name, null, null, null, null, params);
  }

  private static ToolDefinition tool(String name, String schema) {
    return new ToolDefinition(name, "The " + name + " tool", json(schema));
  }

  private static JsonNode json(String text) {
    try {
      return text == null ? null : JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
