package dev.agentplane.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.PayloadTooLargeException;
import dev.agentplane.registry.version.SpecJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a request body that carries a spec. Specs are free-form JSON the API stores as given, so
 * bodies are parsed here rather than bound to records: every field the server owns or does not know
 * is named in one 400, and an oversized spec is a 413 naming {@code /spec}.
 */
public final class JsonBody {

  /** Fields the server assigns; a client sending them is told so rather than silently ignored. */
  private static final Set<String> SERVER_OWNED =
      Set.of(
          "id",
          "tenantId",
          "status",
          "version",
          "specHash",
          "etag",
          "createdAt",
          "createdBy",
          "updatedAt",
          "updatedBy",
          "resourceId");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private final ObjectNode body;

  private JsonBody(ObjectNode body) {
    this.body = body;
  }

  /** Parses {@code raw} as a JSON object holding only {@code allowed} fields. */
  public static JsonBody parse(String raw, Set<String> allowed) {
    JsonNode parsed;
    try {
      parsed = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
    } catch (JsonProcessingException e) {
      // Never the parser's message: it quotes the token it choked on, which may be a secret.
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw BadRequestException.malformed(
          "The body is not valid JSON" + where,
          List.of(new FieldError("", "malformed_json", "not valid JSON" + where)));
    }
    if (!(parsed instanceof ObjectNode object)) {
      throw new BadRequestException(
          "The body must be a JSON object",
          List.of(new FieldError("", "not_an_object", "expected a JSON object")));
    }
    List<FieldError> errors = new ArrayList<>();
    object
        .fieldNames()
        .forEachRemaining(
            field -> {
              if (SERVER_OWNED.contains(field)) {
                errors.add(
                    new FieldError(
                        "/" + field, "server_owned", field + " is assigned by the server"));
              } else if (!allowed.contains(field)) {
                errors.add(
                    new FieldError(
                        "/" + field,
                        "unknown_property",
                        "unknown property "
                            + field
                            + "; allowed: "
                            + allowed.stream().sorted().toList()));
              }
            });
    if (!errors.isEmpty()) {
      throw new BadRequestException(
          "The body has fields this endpoint does not accept: "
              + errors.stream().map(FieldError::pointer).toList(),
          errors);
    }
    return new JsonBody(object);
  }

  /** The {@code spec} field: a JSON object no larger than {@link SpecJson#MAX_SPEC_BYTES}. */
  public JsonNode spec() {
    JsonNode spec = body.get("spec");
    if (spec == null || spec.isNull()) {
      throw missing("spec", "a spec object is required");
    }
    if (!spec.isObject()) {
      throw new BadRequestException(
          "spec must be a JSON object",
          List.of(new FieldError("/spec", "wrong_type", "spec must be a JSON object")));
    }
    int size = SpecJson.canonicalBytes(spec).length;
    if (size > SpecJson.MAX_SPEC_BYTES) {
      throw new PayloadTooLargeException(
          "The spec is " + size + " bytes; at most " + SpecJson.MAX_SPEC_BYTES + " are accepted",
          List.of(
              new FieldError(
                  "/spec",
                  "too_large",
                  "spec is larger than " + SpecJson.MAX_SPEC_BYTES + " bytes")));
    }
    return spec;
  }

  public boolean has(String field) {
    return body.hasNonNull(field);
  }

  /** A required string field. */
  public String text(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw missing(field, field + " is required");
    }
    if (!value.isTextual()) {
      throw new BadRequestException(
          field + " must be a string",
          List.of(new FieldError("/" + field, "wrong_type", field + " must be a string")));
    }
    return value.asText();
  }

  /** An optional string field; null when absent, a 400 when not a string. */
  public String optionalText(String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : text(field);
  }

  /** An optional positive integer field; null when absent. */
  public Integer positiveInt(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
      throw new BadRequestException(
          field + " must be a positive integer",
          List.of(
              new FieldError("/" + field, "wrong_type", field + " must be a positive integer")));
    }
    return value.intValue();
  }

  private static BadRequestException missing(String field, String message) {
    return new BadRequestException(
        "Missing " + field, List.of(new FieldError("/" + field, "required", message)));
  }
}
