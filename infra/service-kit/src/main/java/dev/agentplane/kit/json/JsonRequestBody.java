package dev.agentplane.kit.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.EventEnvelope;
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
 * (ranges, roles, deadlines) are the services' 422s. The parser's own message is never echoed: it
 * quotes the token it choked on, which may be a secret.
 *
 * <p>Naming: {@code text} is a string that is not blank (blank counts as absent), {@code string} a
 * string as sent (empty included); an {@code optional…} reader answers null for an absent or {@code
 * null} field, the others refuse it with {@code required}.
 */
public final class JsonRequestBody {

  /**
   * The deepest a body may nest. What a service accepts it stores and later writes nested inside
   * something bigger (a page of runs, a CloudEvent, an approval view), and Jackson refuses to
   * write, and every reader to read, more than 1000 levels: a value accepted just under the
   * parser's own limit made every later page of the tenant's runs or approvals a 500. A spec (the
   * deepest legitimate body) is refused by the registry's validation beyond 64 levels anyway. The
   * same limit as events' data, so what one door accepts the other does too.
   */
  public static final int MAX_DEPTH = EventEnvelope.MAX_DATA_DEPTH;

  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
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
    return read(raw == null || raw.isBlank() ? "{}" : raw, allowed, Set.of());
  }

  /** Like {@link #parse}, but an empty body is refused as not a JSON object. */
  public static JsonRequestBody parseNonEmpty(String raw, Set<String> allowed) {
    return parseNonEmpty(raw, allowed, Set.of());
  }

  /**
   * Like {@link #parseNonEmpty(String, Set)}, and each of the {@code serverOwned} fields (ones the
   * server assigns, such as {@code id}) is refused with {@code server_owned} rather than as
   * unknown, so a client sending them is told why.
   */
  public static JsonRequestBody parseNonEmpty(
      String raw, Set<String> allowed, Set<String> serverOwned) {
    return read(raw, allowed, serverOwned);
  }

  private static JsonRequestBody read(String raw, Set<String> allowed, Set<String> serverOwned) {
    JsonNode parsed;
    try {
      parsed = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
    } catch (StreamConstraintsException e) {
      throw BadRequestException.malformed(
          "The body nests deeper than " + MAX_DEPTH + " levels",
          List.of(new FieldError("", "too_deep", "nests deeper than " + MAX_DEPTH + " levels")));
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
    return new JsonRequestBody(object, "").only(allowed, serverOwned);
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
    return new JsonRequestBody(object, pointer(field)).only(allowed, Set.of());
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

  /** Whether the field is there at all, {@code null} included (in an update: "clear it"). */
  public boolean present(String field) {
    return body.has(field);
  }

  /** A string as sent, empty or blank included. */
  public String string(String field) {
    String string = optionalString(field);
    if (string == null) {
      throw missing(field);
    }
    return string;
  }

  /** A string as sent, empty or blank included; null when absent. */
  public String optionalString(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      throw wrongType(field, "a string");
    }
    return value.textValue();
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
    String string = optionalString(field);
    return string == null || string.isBlank() ? null : string;
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

  /** An integer of at least 1; null when absent. */
  public Integer optionalPositiveInt(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
      throw wrongType(field, "a positive integer");
    }
    return value.intValue();
  }

  public boolean bool(String field) {
    Boolean bool = optionalBoolean(field);
    if (bool == null) {
      throw missing(field);
    }
    return bool;
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

  /** An array of strings, each as sent. */
  public List<String> strings(String field) {
    List<String> strings = optionalStrings(field);
    if (strings == null) {
      throw missing(field);
    }
    return strings;
  }

  /** An array of strings, each as sent; null when absent. */
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

  private JsonRequestBody only(Set<String> allowed, Set<String> serverOwned) {
    List<FieldError> errors = new ArrayList<>();
    body.fieldNames()
        .forEachRemaining(
            field -> {
              if (serverOwned.contains(field)) {
                errors.add(
                    new FieldError(
                        pointer(field), "server_owned", field + " is assigned by the server"));
              } else if (!allowed.contains(field)) {
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
