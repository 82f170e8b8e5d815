package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The shape of the two spec formats, as JSON Schemas in {@code spec-schemas/} compiled once per
 * JVM, and the mapping of their findings to {@code spec.*} codes.
 */
final class SpecShape {

  /** A spec format and the classpath resource of its schema. */
  enum Format {
    TOOL("spec-schemas/tool-spec.schema.json"),
    AGENT("spec-schemas/agent-spec.schema.json");

    private final String resource;

    Format(String resource) {
      this.resource = resource;
    }
  }

  /**
   * Deeper specs are refused before any schema walks them: networknt and the meta-schema recurse
   * per level, and a pathological document must become an issue, not a StackOverflowError. Real
   * specs, user schemas included, stay far below this.
   */
  static final int MAX_DEPTH = 64;

  /**
   * Larger specs are refused before any schema walks them, so that a request-sized array costs a
   * count rather than a schema check per element. Real specs, user schemas included, hold a few
   * hundred values.
   */
  static final int MAX_VALUES = 20_000;

  private static final Set<String> RANGE_KEYWORDS =
      Set.of(
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "minLength",
          "maxLength",
          "minItems",
          "maxItems",
          "minProperties",
          "maxProperties");

  // Compiled once, on first use; JsonSchema is immutable and safe to share between threads.
  private static final class Compiled {
    static final Map<Format, JsonSchema> SCHEMAS = compileAll();

    private static Map<Format, JsonSchema> compileAll() {
      // The spec schemas live on the classpath; nothing else may be loaded, so a typo in a $ref
      // fails at startup instead of fetching a URL.
      JsonSchemaFactory factory =
          JsonSchemaFactory.getInstance(
              SpecVersion.VersionFlag.V202012,
              builder ->
                  builder.schemaLoaders(
                      loaders ->
                          loaders.add(
                              new AllowSchemaLoader(
                                  iri -> iri.toString().startsWith("classpath:")))));
      SchemaValidatorsConfig config =
          SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build();
      return Map.of(
          Format.TOOL, compile(factory, config, Format.TOOL),
          Format.AGENT, compile(factory, config, Format.AGENT));
    }

    private static JsonSchema compile(
        JsonSchemaFactory factory, SchemaValidatorsConfig config, Format format) {
      try {
        JsonSchema schema =
            factory.getSchema(SchemaLocation.of("classpath:" + format.resource), config);
        schema.initializeValidators();
        return schema;
      } catch (RuntimeException e) {
        throw new IllegalStateException("Cannot load " + format.resource, e);
      }
    }
  }

  private SpecShape() {}

  /** Compiles both spec schemas now, so that a broken one fails at startup. */
  static void preload() {
    Compiled.SCHEMAS.size();
  }

  /**
   * Reports every way the spec departs from its format's schema; {@code false} when the spec is not
   * even an object, or too deep or large to walk, and no further rule should look at it.
   */
  static boolean check(Format format, JsonNode spec, Findings findings) {
    if (spec == null || !spec.isObject()) {
      findings.add(
          ValidationCode.SPEC_NOT_AN_OBJECT,
          SpecPointer.ROOT,
          "a "
              + format.name().toLowerCase(Locale.ROOT)
              + " spec is a JSON object, not "
              + kindOf(spec));
      return false;
    }
    if (!withinBounds(spec, findings)) {
      return false;
    }
    for (ValidationMessage message : Compiled.SCHEMAS.get(format).validate(spec)) {
      report(message, findings);
    }
    return true;
  }

  /** The JSON type of a node, for messages. */
  static String kindOf(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case NUMBER -> "a number";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case BINARY, POJO, MISSING -> "a non-JSON value";
    };
  }

  private static void report(ValidationMessage message, Findings findings) {
    String keyword = message.getType();
    SpecPointer pointer = pointerOf(message.getInstanceLocation());
    ValidationCode code =
        switch (keyword) {
          case "required" -> ValidationCode.SPEC_MISSING_FIELD;
          case "additionalProperties" -> ValidationCode.SPEC_UNKNOWN_FIELD;
          case "type" -> ValidationCode.SPEC_WRONG_TYPE;
          case "pattern", "format" -> ValidationCode.SPEC_INVALID_FORMAT;
          default ->
              RANGE_KEYWORDS.contains(keyword)
                  ? ValidationCode.SPEC_OUT_OF_RANGE
                  : ValidationCode.SPEC_INVALID_VALUE;
        };
    // These keywords are about a member, so point at the member rather than its parent.
    if ((code == ValidationCode.SPEC_MISSING_FIELD || code == ValidationCode.SPEC_UNKNOWN_FIELD)
        && message.getProperty() != null) {
      pointer = pointer.child(message.getProperty());
    }
    String text =
        code == ValidationCode.SPEC_UNKNOWN_FIELD && message.getProperty() != null
            ? "'" + TemplateText.abbreviated(message.getProperty()) + "' is not a known field here"
            : messageText(message);
    findings.add(code, pointer, text);
  }

  static SpecPointer pointerOf(JsonNodePath path) {
    SpecPointer pointer = SpecPointer.ROOT;
    for (int i = 0; i < path.getNameCount(); i++) {
      pointer = pointer.child(String.valueOf(path.getElement(i)));
    }
    return pointer;
  }

  // networknt's message starts with the instance location, which the issue carries already.
  static String messageText(ValidationMessage message) {
    String text = message.getMessage();
    String location = message.getInstanceLocation().toString();
    if (!location.isEmpty() && text.startsWith(location + ": ")) {
      text = text.substring(location.length() + 2);
    } else if (text.startsWith(": ")) {
      text = text.substring(2);
    }
    return text.length() <= 300 ? text : text.substring(0, 297) + "...";
  }

  /**
   * Walks the spec once, without recursion, and reports it when it nests deeper than {@link
   * #MAX_DEPTH} or holds more than {@link #MAX_VALUES} values; {@code false} then.
   */
  private static boolean withinBounds(JsonNode spec, Findings findings) {
    record Visit(JsonNode node, SpecPointer pointer, int depth) {}
    Deque<Visit> pending = new ArrayDeque<>();
    pending.push(new Visit(spec, SpecPointer.ROOT, 0));
    int values = 0;
    while (!pending.isEmpty()) {
      Visit visit = pending.pop();
      if (visit.depth > MAX_DEPTH) {
        findings.add(
            ValidationCode.SPEC_TOO_DEEP,
            visit.pointer,
            "the spec nests deeper than " + MAX_DEPTH + " levels here");
        return false;
      }
      values += visit.node.size();
      if (values > MAX_VALUES) {
        findings.add(
            ValidationCode.SPEC_TOO_LARGE,
            SpecPointer.ROOT,
            "the spec holds more than " + MAX_VALUES + " JSON values");
        return false;
      }
      if (visit.node.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> members = visit.node.fields();
            members.hasNext(); ) {
          Map.Entry<String, JsonNode> member = members.next();
          if (member.getValue().isContainerNode()) {
            pending.push(
                new Visit(
                    member.getValue(), visit.pointer.child(member.getKey()), visit.depth + 1));
          }
        }
      } else if (visit.node.isArray()) {
        for (int i = 0; i < visit.node.size(); i++) {
          if (visit.node.get(i).isContainerNode()) {
            pending.push(new Visit(visit.node.get(i), visit.pointer.child(i), visit.depth + 1));
          }
        }
      }
    }
    return true;
  }
}
