package dev.agentplane.execution.run;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.kit.json.CanonicalJson;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A request for a run, from {@code POST /v1/runs} or an {@code agentplane.runs.requested} event.
 *
 * @param agent the agent's id or name
 * @param version a version number, {@code active}, or null for the active version
 * @param input any JSON value but null, checked against the agent's {@code inputSchema}
 * @param idempotencyKey null when the caller does not care
 */
public record RunCommand(
    String agent,
    String version,
    JsonNode input,
    RunMode mode,
    String idempotencyKey,
    Map<String, String> metadata) {

  static final Set<String> FIELDS =
      Set.of("agent", "version", "input", "mode", "idempotencyKey", "metadata");
  static final int MAX_METADATA_ENTRIES = 32;
  static final int MAX_METADATA_KEY = 64;
  static final int MAX_METADATA_VALUE = 512;
  static final int MAX_IDEMPOTENCY_KEY = 255;

  public RunCommand {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Reads the HTTP body strictly: unknown fields, wrong types and bad values are 400s. */
  static RunCommand read(String rawBody) {
    JsonRequestBody body = JsonRequestBody.parseNonEmpty(rawBody, FIELDS);
    String agent = body.text("agent");
    // The run-request event carries the input and its schema refuses null (contracts), so a null
    // input could never be dispatched.
    JsonNode input = body.optionalJson("input");
    if (input == null) {
      throw body.bad("input", "required", "input is required (any JSON value but null)");
    }
    String mode = body.optionalText("mode");
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode rawMetadata = body.optionalJson("metadata");
    if (rawMetadata != null) {
      if (!rawMetadata.isObject()) {
        throw body.bad("metadata", "wrong_type", "metadata must be an object of strings");
      }
      rawMetadata
          .fields()
          .forEachRemaining(
              field -> {
                if (!field.getValue().isTextual()) {
                  throw body.bad(
                      "metadata" + keyPointer(field.getKey()),
                      "wrong_type",
                      "metadata values must be strings");
                }
                metadata.put(field.getKey(), field.getValue().asText());
              });
    }
    RunCommand command =
        new RunCommand(
            agent,
            version(body.optionalJson("version"), body),
            input,
            mode == null ? RunMode.PRODUCTION : mode(mode),
            body.optionalText("idempotencyKey"),
            metadata);
    command.checkLimits();
    return command;
  }

  /** The same request as an event carries it. */
  static RunCommand of(RunRequested request) {
    RunCommand command =
        new RunCommand(
            request.agent(),
            request.version(),
            request.input() == null ? JsonNodeFactory.instance.nullNode() : request.input(),
            request.mode() == null ? RunMode.PRODUCTION : request.mode(),
            request.idempotencyKey(),
            request.metadata());
    if (command.agent == null || command.agent.isBlank()) {
      throw bad("/agent", "required", "agent is required");
    }
    command.checkLimits();
    return command;
  }

  /**
   * The request's fingerprint for idempotency: the same key with the same fingerprint is a retry,
   * with another one a misuse of the key.
   */
  String fingerprint() {
    ObjectNode canonical = JsonNodeFactory.instance.objectNode();
    canonical.put("agent", agent).put("version", version).put("mode", mode.name());
    canonical.set("input", input);
    ObjectNode labels = canonical.putObject("metadata");
    metadata.forEach(labels::put);
    return CanonicalJson.sha256(canonical);
  }

  private void checkLimits() {
    if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY) {
      throw bad(
          "/idempotencyKey", "too_long", "idempotencyKey is longer than " + MAX_IDEMPOTENCY_KEY);
    }
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw bad(
          "/metadata", "too_many", "metadata has more than " + MAX_METADATA_ENTRIES + " entries");
    }
    metadata.forEach(
        (key, value) -> {
          if (key.isEmpty() || key.length() > MAX_METADATA_KEY) {
            throw bad(
                "/metadata",
                "invalid_key",
                "metadata keys are 1.." + MAX_METADATA_KEY + " characters");
          }
          if (value.length() > MAX_METADATA_VALUE) {
            throw bad(
                "/metadata" + keyPointer(key),
                "too_long",
                "metadata values are at most " + MAX_METADATA_VALUE + " characters");
          }
        });
  }

  /**
   * {@code /key} as a JSON Pointer segment: {@code ~} and {@code /} in the key escaped (RFC 6901).
   */
  private static String keyPointer(String key) {
    return JsonPointer.empty().appendProperty(key).toString();
  }

  private static String version(JsonNode version, JsonRequestBody body) {
    if (version == null) {
      return null;
    }
    if (version.isTextual() && version.asText().equals("active")) {
      return "active";
    }
    if (version.isIntegralNumber()
        && version.asLong() >= 1
        && version.asLong() <= Integer.MAX_VALUE) {
      return version.asText();
    }
    throw body.bad(
        "version", "invalid_value", "version is a version number (1 or more) or \"active\"");
  }

  private static RunMode mode(String mode) {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "production" -> RunMode.PRODUCTION;
      case "debug" -> RunMode.DEBUG;
      default -> throw bad("/mode", "invalid_value", "mode is production or debug");
    };
  }

  private static BadRequestException bad(String pointer, String code, String message) {
    return new BadRequestException(message, List.of(new FieldError(pointer, code, message)));
  }
}
