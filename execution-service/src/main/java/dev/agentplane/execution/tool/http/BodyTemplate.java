package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Fills an HTTP tool's body template, each {@code {param}} written in the body's own syntax so that
 * no argument can change the body's structure:
 *
 * <ul>
 *   <li>JSON (a {@code Content-Type} naming json, or none and a template starting with {@code {}
 *       or {@code [}): inside a string literal the value's text, JSON-escaped; elsewhere the value
 *       as JSON ({@code "text"}, {@code 42}, {@code {...}}), {@code null} when absent. Without a
 *       declared type the body is sent as {@code application/json}.
 *   <li>Form ({@code application/x-www-form-urlencoded}): the value's text, form-encoded.
 *   <li>Anything else: the value's text as it is.
 * </ul>
 */
final class BodyTemplate {

  private static final String JSON_TYPE = "application/json";
  private static final String FORM_TYPE = "application/x-www-form-urlencoded";

  /**
   * @param contentTypeToAdd the type to declare when the spec declared none and the body is JSON
   */
  record FilledBody(String text, Optional<String> contentTypeToAdd) {}

  private BodyTemplate() {}

  static FilledBody fill(String template, Optional<String> declaredType, JsonNode arguments) {
    if (declaredType.isEmpty()) {
      String start = template.stripLeading();
      return start.startsWith("{") || start.startsWith("[")
          ? new FilledBody(filledJson(template, arguments), Optional.of(JSON_TYPE))
          : new FilledBody(filledText(template, arguments), Optional.empty());
    }
    String type = declaredType.get().toLowerCase(Locale.ROOT);
    if (type.contains("json")) {
      return new FilledBody(filledJson(template, arguments), Optional.empty());
    }
    if (type.startsWith(FORM_TYPE)) {
      return new FilledBody(
          Placeholders.fill(
              template,
              name ->
                  URLEncoder.encode(Placeholders.text(arguments, name), StandardCharsets.UTF_8)),
          Optional.empty());
    }
    return new FilledBody(filledText(template, arguments), Optional.empty());
  }

  private static String filledText(String template, JsonNode arguments) {
    return Placeholders.fill(template, name -> Placeholders.text(arguments, name));
  }

  private static String filledJson(String template, JsonNode arguments) {
    StringBuilder filled = new StringBuilder(template.length());
    Matcher holes = Placeholders.PARAMETER.matcher(template);
    boolean inString = false;
    int from = 0;
    while (holes.find()) {
      inString = insideStringAfter(template, from, holes.start(), inString);
      filled.append(template, from, holes.start());
      JsonNode value = arguments == null ? null : arguments.get(holes.group(1));
      if (inString) {
        filled.append(
            JsonStringEncoder.getInstance()
                .quoteAsString(Placeholders.text(arguments, holes.group(1))));
      } else {
        filled.append(value == null ? "null" : value.toString());
      }
      from = holes.end();
    }
    return filled.append(template, from, template.length()).toString();
  }

  /**
   * Whether a JSON text is inside a string literal at {@code end}, given where it was at {@code
   * start}.
   */
  private static boolean insideStringAfter(String json, int start, int end, boolean inString) {
    for (int i = start; i < end; i++) {
      char c = json.charAt(i);
      if (inString && c == '\\') {
        i++;
      } else if (c == '"') {
        inString = !inString;
      }
    }
    return inString;
  }
}
