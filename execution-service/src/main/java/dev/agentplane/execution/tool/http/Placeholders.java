package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {param}} holes of an HTTP tool's URL, headers and body, found exactly as the registry
 * found them when it checked that each names a property of the tool's inputSchema.
 */
final class Placeholders {

  // The registry's TemplateText.PLACEHOLDER; a hole it did not see must not be filled here.
  static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]*)}");

  private Placeholders() {}

  /**
   * The argument as text: a string as itself, any other value as its JSON, an absent one (an
   * optional parameter the model left out) as nothing.
   */
  static String text(JsonNode arguments, String name) {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || value.isNull()) {
      return "";
    }
    return value.isTextual() ? value.textValue() : value.toString();
  }

  /** The text with each hole replaced by what {@code filling} makes of the parameter's name. */
  static String fill(String text, Function<String, String> filling) {
    Matcher holes = PARAMETER.matcher(text);
    StringBuilder filled = new StringBuilder(text.length());
    int from = 0;
    while (holes.find()) {
      filled.append(text, from, holes.start()).append(filling.apply(holes.group(1)));
      from = holes.end();
    }
    return filled.append(text, from, text.length()).toString();
  }
}
