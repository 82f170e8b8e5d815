package dev.agentplane.kit.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a JSON request body strictly: one object, no duplicate or unknown fields, each field of the
 * type asked for. Every problem is a 400 naming the field by JSON pointer; rules about values
 * (ranges, roles, deadlines) are the services' 422s.
 */
public final class JsonRequestBody {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private final ObjectNode body;
  private final String prefix;

  private JsonRequestBody(ObjectNode body, String prefix) {
    this.body = body;
    this.prefix = prefix;
  }

  /** Parses {@code raw} as an object holding only {@code allowed} fields; empty is {@code {}}. */
  public static JsonRequestBody parse(String raw, Set<String> allowed) {
    JsonNode parsed;
    try {
      parsed = raw == null || raw.isBlank() ? JSON.createObjectNode() : JSON.readTree(raw);
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
    return new JsonRequestBody(object, "").only(allowed);
  }

  /** The object field {@code field}, read with the same strictness; null when absent. */
  public JsonRequestBody optionalObject(String field, Set<String> allowed) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof ObjectNode object)) {
      throw wrongType(field, "a JSON object");
    }
    return new JsonRequestBody(object, pointer(field)).only(allowed);
  }

  public JsonRequestBody object(String field, Set<String> allowed) {
    JsonRequestBody object = optionalObject(field, allowed);
    if (object == null) {
      throw missing(field);
    }
    return object;
  }

  /** A free-form JSON object field; null when absent. */
  public ObjectNode optionalJsonObject(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof ObjectNode object)) {
      throw wrongType(field, "a JSON object");
    }
    return object;
  }

  /** Any JSON value but null; null when absent. */
  public JsonNode optionalJson(String field) {
    return value(field);
  }

  public String text(String field) {
    String text = optionalText(field);
    if (text == null) {
      throw missing(field);
    }
    return text;
  }

  /** A string field (blank counts as absent); null when absent. */
  public String optionalText(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      throw wrongType(field, "a string");
    }
    return value.textValue().isBlank() ? null : value.textValue();
  }

  /** A string of at most {@code max} characters; null when absent. */
  public String optionalText(String field, int max) {
    String text = optionalText(field);
    if (text != null && text.length() > max) {
      throw bad(field, "too_long", field + " must be at most " + max + " characters");
    }
    return text;
  }

  public Integer optionalInt(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw wrongType(field, "an integer");
    }
    return value.intValue();
  }

  public Boolean optionalBoolean(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      throw wrongType(field, "true or false");
    }
    return value.booleanValue();
  }

  /** An RFC 3339 instant, e.g. {@code 2030-01-01T12:00:00Z}; null when absent. */
  public Instant optionalInstant(String field) {
    String text = optionalText(field);
    if (text == null) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw bad(field, "invalid_format", field + " must be an RFC 3339 date-time with an offset");
    }
  }

  /** An ISO-8601 duration, e.g. {@code PT30M}; null when absent. */
  public Duration optionalDuration(String field) {
    String text = optionalText(field);
    if (text == null) {
      return null;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw bad(field, "invalid_format", field + " must be an ISO-8601 duration such as PT30M");
    }
  }

  public UUID uuid(String field) {
    String text = text(field);
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw bad(field, "invalid_format", field + " must be a UUID");
    }
  }

  /** An array of strings; null when absent. */
  public List<String> optionalStrings(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isArray()) {
      throw wrongType(field, "an array of strings");
    }
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isTextual()) {
        throw new BadRequestException(
            pointer(field) + "/" + i + " must be a string",
            List.of(
                new FieldError(
                    pointer(field) + "/" + i, "wrong_type", field + " holds only strings")));
      }
      strings.add(value.get(i).textValue());
    }
    return strings;
  }

  /** A 400 about {@code field}. */
  public BadRequestException bad(String field, String code, String message) {
    return new BadRequestException(message, List.of(new FieldError(pointer(field), code, message)));
  }

  private JsonRequestBody only(Set<String> allowed) {
    List<FieldError> errors = new ArrayList<>();
    body.fieldNames()
        .forEachRemaining(
            field -> {
              if (!allowed.contains(field)) {
                errors.add(
                    new FieldError(
                        pointer(field),
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
    return this;
  }

  private JsonNode value(String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private String pointer(String field) {
    return prefix + "/" + field;
  }

  private BadRequestException missing(String field) {
    return new BadRequestException(
        "Missing " + pointer(field),
        List.of(new FieldError(pointer(field), "required", field + " is required")));
  }

  private BadRequestException wrongType(String field, String expected) {
    return bad(field, "wrong_type", field + " must be " + expected);
  }
}
