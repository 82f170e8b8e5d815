package dev.agentplane.execution.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Map;

/**
 * Fills the {@code {{...}}} templates of a scripted model's turn from the conversation so far.
 *
 * <p>References: {@code {{input}}} (the run input), {@code {{input.a.b}}} (a field of it; a numeric
 * segment indexes an array), {@code {{tool.<name>}}} (the latest result of that tool), {@code
 * {{last}}} (the latest tool result). A reference that finds nothing reads as the empty string; an
 * expression that is none of these is left as written, so a typo shows in the output.
 *
 * <p>A string that is exactly one template becomes the referenced JSON value itself (numbers stay
 * numbers; a tool result that parses as JSON becomes that JSON). Inside a longer string, a text
 * value is spliced in as its text and any other value as its JSON text. Only string values are
 * filled, never object keys.
 */
final class ScriptTemplates {

  private static final String OPEN = "{{";
  private static final String CLOSE = "}}";
  private static final String INPUT_FIELD_PREFIX = "input.";
  private static final String TOOL_PREFIX = "tool.";

  // Trailing tokens must fail: "42 apples" is text, not the number 42.
  private static final ObjectMapper STRICT_JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final JsonNode input;
  private final List<ChatMessage> messages;

  ScriptTemplates(JsonNode input, List<ChatMessage> messages) {
    this.input = input;
    this.messages = messages;
  }

  /** A copy of {@code node} with every template in its string values filled. */
  JsonNode fill(JsonNode node) {
    if (node.isTextual()) {
      return fillText(node.textValue());
    }
    if (node.isObject()) {
      ObjectNode filled = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        filled.set(field.getKey(), fill(field.getValue()));
      }
      return filled;
    }
    if (node.isArray()) {
      ArrayNode filled = JsonNodeFactory.instance.arrayNode(node.size());
      for (JsonNode element : node) {
        filled.add(fill(element));
      }
      return filled;
    }
    return node;
  }

  private JsonNode fillText(String text) {
    int open = text.indexOf(OPEN);
    if (open < 0) {
      return TextNode.valueOf(text);
    }
    if (open == 0 && isSingleTemplate(text)) {
      JsonNode value = resolve(text.substring(OPEN.length(), text.length() - CLOSE.length()));
      return value == null ? TextNode.valueOf(text) : value;
    }
    StringBuilder filled = new StringBuilder(text.length() + 32);
    int from = 0;
    while (open >= 0) {
      int close = text.indexOf(CLOSE, open + OPEN.length());
      if (close < 0) {
        break;
      }
      filled.append(text, from, open);
      JsonNode value = resolve(text.substring(open + OPEN.length(), close));
      if (value == null) {
        filled.append(text, open, close + CLOSE.length());
      } else {
        filled.append(value.isTextual() ? value.textValue() : value.toString());
      }
      from = close + CLOSE.length();
      open = text.indexOf(OPEN, from);
    }
    return TextNode.valueOf(filled.append(text, from, text.length()).toString());
  }

  private static boolean isSingleTemplate(String text) {
    return text.endsWith(CLOSE)
        && text.length() >= OPEN.length() + CLOSE.length()
        && text.indexOf(CLOSE, OPEN.length()) == text.length() - CLOSE.length()
        && text.indexOf(OPEN, OPEN.length()) < 0;
  }

  /** The referenced value, an empty text when it is missing, null when the expression is none. */
  private JsonNode resolve(String rawExpression) {
    String expression = rawExpression.strip();
    if (expression.equals("input")) {
      return present(input) ? input : TextNode.valueOf("");
    }
    if (expression.startsWith(INPUT_FIELD_PREFIX)) {
      return orEmpty(inputField(expression.substring(INPUT_FIELD_PREFIX.length())));
    }
    if (expression.equals("last")) {
      return orEmpty(asJson(latestToolResult(null)));
    }
    if (expression.startsWith(TOOL_PREFIX)) {
      return orEmpty(asJson(latestToolResult(expression.substring(TOOL_PREFIX.length()))));
    }
    return null;
  }

  private JsonNode inputField(String dottedPath) {
    JsonNode current = input;
    int from = 0;
    while (present(current) && from <= dottedPath.length()) {
      int dot = dottedPath.indexOf('.', from);
      int end = dot < 0 ? dottedPath.length() : dot;
      String segment = dottedPath.substring(from, end);
      current = current.isArray() ? current.get(arrayIndex(segment)) : current.get(segment);
      from = end + 1;
    }
    return current;
  }

  private static int arrayIndex(String segment) {
    try {
      return Integer.parseInt(segment);
    } catch (NumberFormatException notAnIndex) {
      return -1;
    }
  }

  /** Content of the latest tool result, from {@code toolName} or from any tool when null. */
  private String latestToolResult(String toolName) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      ChatMessage message = messages.get(i);
      if (message.role() == ChatMessage.Role.TOOL
          && (toolName == null || toolName.equals(message.toolName()))) {
        return message.content() == null ? "" : message.content();
      }
    }
    return null;
  }

  /** A tool result as the JSON it holds, or as text when it is not JSON. */
  private static JsonNode asJson(String content) {
    if (content == null) {
      return null;
    }
    if (!mayBeJson(content)) {
      return TextNode.valueOf(content);
    }
    try {
      JsonNode parsed = STRICT_JSON.readTree(content);
      return parsed == null || parsed.isMissingNode() ? TextNode.valueOf(content) : parsed;
    } catch (JsonProcessingException notJson) {
      return TextNode.valueOf(content);
    }
  }

  // Skips the parser (and its exception) for the common case of plain prose.
  private static boolean mayBeJson(String content) {
    String trimmed = content.strip();
    if (trimmed.isEmpty()) {
      return false;
    }
    char first = trimmed.charAt(0);
    return first == '{'
        || first == '['
        || first == '"'
        || first == '-'
        || Character.isDigit(first)
        || trimmed.equals("true")
        || trimmed.equals("false")
        || trimmed.equals("null");
  }

  private static boolean present(JsonNode node) {
    return node != null && !node.isMissingNode() && !node.isNull();
  }

  private static JsonNode orEmpty(JsonNode node) {
    return present(node) ? node : TextNode.valueOf("");
  }
}
