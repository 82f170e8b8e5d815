package dev.agentplane.approval.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a webhook request body by hand, so that every field that is unknown, missing or of the
 * wrong type is named by its JSON pointer in one 400 (binding to records would answer a generic
 * one), and {@code null} can mean "clear" in an update.
 */
final class WebhookRequestBody {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private final ObjectNode body;

  private WebhookRequestBody(ObjectNode body) {
    this.body = body;
  }

  /** Parses {@code raw} as a JSON object holding only {@code allowed} fields. */
  static WebhookRequestBody parse(String raw, Set<String> allowed) {
    JsonNode parsed;
    try {
      parsed = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
    } catch (JsonProcessingException e) {
      // Never the parser's message: it quotes the token it choked on.
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
              if (!allowed.contains(field)) {
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
    return new WebhookRequestBody(object);
  }

  /** Whether the field is present at all (possibly as {@code null}). */
  boolean present(String field) {
    return body.has(field);
  }

  /** A required string. */
  String text(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw missing(field);
    }
    if (!value.isTextual()) {
      throw wrongType(field, "a string");
    }
    return value.asText();
  }

  /** An optional string; null when absent or null. */
  String optionalText(String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : text(field);
  }

  /** A required array of strings. */
  List<String> texts(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw missing(field);
    }
    if (!value.isArray()) {
      throw wrongType(field, "an array of strings");
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isTextual()) {
        throw new BadRequestException(
            field + " must hold strings only",
            List.of(
                new FieldError(
                    "/" + field + "/" + i, "wrong_type", field + " holds strings only")));
      }
      result.add(value.get(i).asText());
    }
    return result;
  }

  /** A required boolean. */
  boolean bool(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw missing(field);
    }
    if (!value.isBoolean()) {
      throw wrongType(field, "true or false");
    }
    return value.booleanValue();
  }

  private static BadRequestException missing(String field) {
    return new BadRequestException(
        "Missing " + field,
        List.of(new FieldError("/" + field, "required", field + " is required")));
  }

  private static BadRequestException wrongType(String field, String expected) {
    return new BadRequestException(
        field + " must be " + expected,
        List.of(new FieldError("/" + field, "wrong_type", field + " must be " + expected)));
  }
}
