package dev.agentplane.execution.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code builtin} provider: deterministic models that never leave the process, for demos, tests
 * and benchmarks. The same request always gets the same reply.
 *
 * <ul>
 *   <li>{@code echo} never calls tools; it answers with the run input (a string input as is, any
 *       other input as its JSON text).
 *   <li>{@code scripted} with {@code params.script} plays one turn per call: turn <i>n</i> when the
 *       conversation already holds <i>n</i> assistant messages. A turn is {@code {"toolCalls":
 *       [{"tool": name, "arguments": {...}}]}} or {@code {"answer": any JSON}}; templates in its
 *       string values are filled as {@link ScriptTemplates} describes. A string answer is the
 *       reply's text, any other answer its JSON text. Once the script is played out, it answers
 *       with a summary of the tool results.
 *   <li>{@code scripted} without a script calls every offered tool once on its first turn, with
 *       arguments taken from the input (see {@code argumentsFromInput}), then answers with a
 *       summary of the results ({@code "lookup → {...}; search → ..."}); offered no tools, it
 *       answers with the input.
 * </ul>
 *
 * <p>Tool call ids are {@code call_<step>_<index>} (index from 0 within the reply). The reply's
 * text streams into the deltas a few words at a time, as a real model's would.
 *
 * <p>Token usage is counted by one rule, four characters a token, rounded up: input tokens =
 * ceil(chars of every message's content and of every tool call's argument text in the request / 4);
 * output tokens = ceil((chars of the reply's content + of its tool calls' argument text) / 4).
 */
@Singleton
public class BuiltinModels implements ModelProvider {

  public static final String PROVIDER = "builtin";
  public static final String ECHO = "echo";
  public static final String SCRIPTED = "scripted";

  private static final String FINISH_TOOL_CALLS = "tool_calls";
  private static final String FINISH_STOP = "stop";

  private static final int CHARS_PER_TOKEN = 4;
  private static final int WORDS_PER_DELTA = 3;

  @Override
  public String provider() {
    return PROVIDER;
  }

  @Override
  public ModelReply complete(ModelRequest request, ModelDeltas deltas) {
    String name = request.settings().name();
    Turn turn =
        switch (name == null ? "" : name) {
          case ECHO -> Turn.answer(inputAsText(request.input()));
          case SCRIPTED -> scriptedTurn(request);
          default ->
              throw new ModelException(
                  "model_rejected",
                  "The builtin provider has no model named '"
                      + name
                      + "'; it has '"
                      + ECHO
                      + "' and '"
                      + SCRIPTED
                      + "'",
                  false);
        };
    streamInWordGroups(turn.content(), deltas);
    return new ModelReply(
        turn.content(),
        turn.toolCalls(),
        new TokenUsage(inputTokens(request), outputTokens(turn)),
        turn.toolCalls().isEmpty() ? FINISH_STOP : FINISH_TOOL_CALLS);
  }

  private Turn scriptedTurn(ModelRequest request) {
    JsonNode params = request.settings().params();
    JsonNode script = params == null ? null : params.get("script");
    if (script == null || script.isNull()) {
      return unscriptedTurn(request);
    }
    if (!script.isArray()) {
      throw rejected("params.script of the scripted model must be an array of turns");
    }
    int turnIndex = assistantTurnsSoFar(request.messages());
    if (turnIndex >= script.size()) {
      return Turn.answer(summaryOfToolResults(request));
    }
    return playTurn(script.get(turnIndex), turnIndex, request);
  }

  private Turn playTurn(JsonNode turn, int turnIndex, ModelRequest request) {
    JsonNode toolCalls = turn.get("toolCalls");
    JsonNode answer = turn.get("answer");
    if (!turn.isObject() || (toolCalls == null) == (answer == null)) {
      throw rejected(
          "Turn " + turnIndex + " of the script must hold exactly one of toolCalls or answer");
    }
    ScriptTemplates templates = new ScriptTemplates(request.input(), request.messages());
    if (answer != null) {
      JsonNode filled = templates.fill(answer);
      return Turn.answer(filled.isTextual() ? filled.textValue() : filled.toString());
    }
    if (!toolCalls.isArray() || toolCalls.isEmpty()) {
      throw rejected("toolCalls of turn " + turnIndex + " must be a non-empty array");
    }
    List<ToolCall> calls = new ArrayList<>(toolCalls.size());
    for (JsonNode call : toolCalls) {
      JsonNode tool = call.get("tool");
      if (tool == null || !tool.isTextual() || tool.textValue().isBlank()) {
        throw rejected("Each tool call of turn " + turnIndex + " must name its tool");
      }
      JsonNode arguments = call.get("arguments");
      String argumentText =
          arguments == null || arguments.isNull() ? "{}" : templates.fill(arguments).toString();
      calls.add(new ToolCall(callId(request, calls.size()), tool.textValue(), argumentText));
    }
    return Turn.callTools(calls);
  }

  private Turn unscriptedTurn(ModelRequest request) {
    if (request.tools().isEmpty()) {
      return Turn.answer(inputAsText(request.input()));
    }
    if (assistantTurnsSoFar(request.messages()) > 0) {
      return Turn.answer(summaryOfToolResults(request));
    }
    List<ToolCall> calls = new ArrayList<>(request.tools().size());
    for (ToolDefinition tool : request.tools()) {
      String arguments = argumentsFromInput(tool.inputSchema(), request.input()).toString();
      calls.add(new ToolCall(callId(request, calls.size()), tool.name(), arguments));
    }
    return Turn.callTools(calls);
  }

  /**
   * Arguments for a tool derived from the run input: each property of the tool's schema takes the
   * input's field of the same name when the input is an object that has it; a required property
   * without one takes its type's default (string: the input when it is a string, else {@code ""};
   * number and integer: 0; boolean: false; array: []; object: {}; any other: null). Optional
   * properties without a field are left out.
   */
  private static ObjectNode argumentsFromInput(JsonNode inputSchema, JsonNode input) {
    ObjectNode arguments = JsonNodeFactory.instance.objectNode();
    JsonNode properties = inputSchema == null ? null : inputSchema.get("properties");
    if (properties == null || !properties.isObject()) {
      return arguments;
    }
    Set<String> required = new HashSet<>();
    JsonNode requiredNames = inputSchema.get("required");
    if (requiredNames != null && requiredNames.isArray()) {
      requiredNames.forEach(requiredName -> required.add(requiredName.asText()));
    }
    boolean inputIsObject = input != null && input.isObject();
    for (Map.Entry<String, JsonNode> property : properties.properties()) {
      String name = property.getKey();
      if (inputIsObject && input.has(name)) {
        arguments.set(name, input.get(name));
      } else if (required.contains(name)) {
        arguments.set(name, typeDefault(property.getValue(), input));
      }
    }
    return arguments;
  }

  private static JsonNode typeDefault(JsonNode propertySchema, JsonNode input) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    return switch (declaredType(propertySchema)) {
      case "string" -> json.textNode(input != null && input.isTextual() ? input.textValue() : "");
      case "number", "integer" -> json.numberNode(0);
      case "boolean" -> json.booleanNode(false);
      case "array" -> json.arrayNode();
      case "object" -> json.objectNode();
      default -> json.nullNode();
    };
  }

  /** The schema's {@code type}; of a type list, the first that is not {@code null}. */
  private static String declaredType(JsonNode propertySchema) {
    JsonNode type = propertySchema == null ? null : propertySchema.get("type");
    if (type == null) {
      return "";
    }
    if (type.isArray()) {
      for (JsonNode candidate : type) {
        if (!candidate.asText().equals("null")) {
          return candidate.asText();
        }
      }
      return "";
    }
    return type.asText();
  }

  /** "lookup → {...}; search → ..." over every tool result so far, or the input when none. */
  private static String summaryOfToolResults(ModelRequest request) {
    StringBuilder summary = new StringBuilder();
    for (ChatMessage message : request.messages()) {
      if (message.role() != ChatMessage.Role.TOOL) {
        continue;
      }
      if (!summary.isEmpty()) {
        summary.append("; ");
      }
      summary
          .append(message.toolName() == null ? message.toolCallId() : message.toolName())
          .append(" → ")
          .append(message.content() == null ? "" : message.content());
    }
    return summary.isEmpty() ? inputAsText(request.input()) : summary.toString();
  }

  private static int assistantTurnsSoFar(List<ChatMessage> messages) {
    int turns = 0;
    for (ChatMessage message : messages) {
      if (message.role() == ChatMessage.Role.ASSISTANT) {
        turns++;
      }
    }
    return turns;
  }

  private static String callId(ModelRequest request, int index) {
    return "call_" + request.step() + "_" + index;
  }

  private static String inputAsText(JsonNode input) {
    if (input == null || input.isMissingNode() || input.isNull()) {
      return "";
    }
    return input.isTextual() ? input.textValue() : input.toString();
  }

  /** Cuts the text after every few words; the pieces concatenate to the text exactly. */
  private static void streamInWordGroups(String content, ModelDeltas deltas) {
    if (content == null || content.isEmpty()) {
      return;
    }
    int pieceStart = 0;
    int wordsInPiece = 0;
    for (int i = 1; i < content.length(); i++) {
      boolean wordEnds = content.charAt(i) == ' ' && content.charAt(i - 1) != ' ';
      if (wordEnds && ++wordsInPiece == WORDS_PER_DELTA) {
        deltas.text(content.substring(pieceStart, i + 1));
        pieceStart = i + 1;
        wordsInPiece = 0;
      }
    }
    if (pieceStart < content.length()) {
      deltas.text(content.substring(pieceStart));
    }
  }

  private static long inputTokens(ModelRequest request) {
    long chars = 0;
    for (ChatMessage message : request.messages()) {
      chars += length(message.content()) + argumentChars(message.toolCalls());
    }
    return tokensFor(chars);
  }

  private static long outputTokens(Turn turn) {
    return tokensFor(length(turn.content()) + argumentChars(turn.toolCalls()));
  }

  private static long argumentChars(List<ToolCall> toolCalls) {
    long chars = 0;
    for (ToolCall call : toolCalls) {
      chars += length(call.arguments());
    }
    return chars;
  }

  private static long tokensFor(long chars) {
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  private static int length(String text) {
    return text == null ? 0 : text.length();
  }

  private static ModelException rejected(String message) {
    return new ModelException("model_rejected", message, false);
  }

  /** What the model says this turn: a text answer or tool calls, never both. */
  private record Turn(String content, List<ToolCall> toolCalls) {

    static Turn answer(String content) {
      return new Turn(content, List.of());
    }

    static Turn callTools(List<ToolCall> toolCalls) {
      return new Turn(null, List.copyOf(toolCalls));
    }
  }
}
