package dev.agentplane.execution.tool.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolFailure;
import java.util.Optional;

/**
 * A builtin tool's arguments, read by name. The loop checked them against the tool's inputSchema,
 * but a spec's schema may be looser than the tool needs, so each read still says what is wrong.
 */
record ToolArguments(JsonNode json) {

  static ToolArguments of(JsonNode json) {
    return new ToolArguments(json);
  }

  JsonNode required(String name) {
    JsonNode value = json == null ? null : json.get(name);
    if (value == null || value.isNull()) {
      throw invalid("the argument '" + name + "' is required");
    }
    return value;
  }

  String text(String name) {
    JsonNode value = required(name);
    if (!value.isTextual()) {
      throw invalid("the argument '" + name + "' must be a string");
    }
    return value.textValue();
  }

  Optional<String> optionalText(String name) {
    JsonNode value = json == null ? null : json.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    return Optional.of(text(name));
  }

  long wholeNumber(String name) {
    JsonNode value = required(name);
    // 1000.0 is a whole number too, as JSON Schema's "integer" says.
    if (!value.isNumber() || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
      throw invalid("the argument '" + name + "' must be a whole number");
    }
    return value.longValue();
  }

  static ToolFailure invalid(String message) {
    return new ToolFailure("invalid_arguments", message);
  }
}
