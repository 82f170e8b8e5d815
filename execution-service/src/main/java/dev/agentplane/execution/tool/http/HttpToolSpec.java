package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolFailure;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP tool's {@code http} block (registry-service README, "Spec formats"), already validated by
 * the registry; what is read here is only what a call needs.
 *
 * @param headers header name to value template, in the spec's order
 * @param timeout the tool's own {@code timeoutMs}, when it has one
 */
record HttpToolSpec(
    String method,
    String url,
    Map<String, String> headers,
    Optional<String> body,
    Optional<Duration> timeout) {

  static HttpToolSpec of(JsonNode spec) {
    JsonNode http = spec.path("http");
    if (!http.isObject()) {
      throw invalidSpec("the spec has no http block");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = http.path("headers").fields();
        fields.hasNext(); ) {
      Map.Entry<String, JsonNode> header = fields.next();
      if (!header.getValue().isTextual()) {
        throw invalidSpec("the header '" + header.getKey() + "' is not a string");
      }
      headers.put(header.getKey(), header.getValue().textValue());
    }
    JsonNode timeoutMs = http.path("timeoutMs");
    return new HttpToolSpec(
        requiredText(http, "method").toUpperCase(Locale.ROOT),
        requiredText(http, "url"),
        headers,
        http.path("body").isTextual()
            ? Optional.of(http.path("body").textValue())
            : Optional.empty(),
        timeoutMs.canConvertToLong() && timeoutMs.longValue() > 0
            ? Optional.of(Duration.ofMillis(timeoutMs.longValue()))
            : Optional.empty());
  }

  /** A header's template by case-insensitive name, as HTTP compares them. */
  Optional<String> header(String name) {
    return headers.entrySet().stream()
        .filter(header -> header.getKey().equalsIgnoreCase(name))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  private static String requiredText(JsonNode http, String field) {
    JsonNode value = http.path(field);
    if (!value.isTextual() || value.textValue().isBlank()) {
      throw invalidSpec("the http block has no " + field);
    }
    return value.textValue();
  }

  static ToolFailure invalidSpec(String problem) {
    return new ToolFailure("invalid_tool_spec", "The HTTP tool spec is unusable: " + problem);
  }
}
