package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schema (draft 2020-12) of every event type's {@code data}, read from {@code
 * schemas/<type>.json} on the classpath; producers check what they publish, consumers what they
 * receive.
 */
public final class EventSchemas {

  /** Prefix of every schema's {@code $id}; also the CloudEvent {@code dataschema}. */
  public static final String BASE_URI = "https://agentplane.dev/schemas/events/";

  private static final String CLASSPATH_DIRECTORY = "schemas/";

  // The $ids are URLs nobody has to serve: the mapper resolves them, and the $refs between the
  // files, from the classpath.
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          builder ->
              builder.schemaMappers(
                  mappers -> mappers.mapPrefix(BASE_URI, "classpath:" + CLASSPATH_DIRECTORY)));

  // Draft 2020-12 only annotates "format" by default; uuid and date-time must be enforced.
  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder()
          .formatAssertionsEnabled(true)
          .pathType(PathType.JSON_POINTER)
          .build();

  // Keywords whose message is about a named member of the instance rather than the instance.
  private static final Set<String> MEMBER_KEYWORDS =
      Set.of("required", "additionalProperties", "unevaluatedProperties");

  private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

  private EventSchemas() {}

  /**
   * The violations of {@code data} against the schema of {@code type}, each starting with the JSON
   * pointer of the offending field ({@code /policy/onExpiry: ...}); empty when valid.
   */
  public static List<String> validate(String type, JsonNode data) {
    if (EventTypes.classOf(type).isEmpty()) {
      return List.of("unknown event type '" + type + "', so no schema to match");
    }
    return schemaOf(type).validate(data).stream().map(EventSchemas::describe).sorted().toList();
  }

  /** Throws {@link MalformedEventException} listing the violations unless {@code data} is valid. */
  public static void requireValid(String type, JsonNode data) {
    List<String> violations = validate(type, data);
    if (!violations.isEmpty()) {
      throw new MalformedEventException("Event data does not match schema of " + type, violations);
    }
  }

  /** The {@code $id} of the schema of {@code type}. */
  public static URI idOf(String type) {
    return URI.create(BASE_URI + type + ".json");
  }

  /** The classpath resource holding the schema of {@code type}. */
  public static String resourceOf(String type) {
    return CLASSPATH_DIRECTORY + type + ".json";
  }

  private static JsonSchema schemaOf(String type) {
    return SCHEMAS.computeIfAbsent(
        type,
        known -> {
          try {
            JsonSchema schema =
                FACTORY.getSchema(SchemaLocation.of(idOf(known).toString()), CONFIG);
            // Resolve $refs now, so that a broken schema fails on first use, not on some payload.
            schema.initializeValidators();
            return schema;
          } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot load " + resourceOf(known), e);
          }
        });
  }

  private static String describe(ValidationMessage message) {
    String pointer = message.getInstanceLocation().toString();
    if (MEMBER_KEYWORDS.contains(message.getType()) && message.getProperty() != null) {
      pointer = pointer + "/" + message.getProperty();
    }
    // The root's pointer is the empty string, which reads as a missing one in a message.
    return (pointer.isEmpty() ? "(root)" : pointer) + ": " + message.getError();
  }
}
