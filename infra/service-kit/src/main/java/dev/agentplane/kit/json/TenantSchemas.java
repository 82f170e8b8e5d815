package dev.agentplane.kit.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AnnotationKeyword;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import dev.agentplane.kit.problem.FieldError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * JSON Schema 2020-12 for schemas a tenant wrote (a tool's {@code inputSchema}): compiled so that
 * the schema cannot reach beyond itself. Errors are located by JSON pointer and {@code format} is
 * asserted.
 */
public final class TenantSchemas {

  /** Where the 2020-12 meta-schema is found (on the classpath, never fetched). */
  public static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

  // Loads only from the classpath (where the meta-schemas are): a tenant's "$ref" or "$schema"
  // must never make a service fetch a URL, which would be SSRF by another door.
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          builder ->
              builder
                  // Unknown keywords are annotations (2020-12 §6.5), not worth a WARN log line
                  // per tenant schema, which would let tenants fill the service's logs.
                  .metaSchema(
                      JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                          .unknownKeywordFactory(
                              (keyword, context) -> new AnnotationKeyword(keyword))
                          .build())
                  // A cached "$id" from one tenant's schema must not resolve in another's.
                  .enableSchemaCache(false)
                  .schemaLoaders(
                      loaders ->
                          loaders.add(
                              new AllowSchemaLoader(
                                  iri -> iri.toString().startsWith("classpath:")))));

  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder()
          .pathType(PathType.JSON_POINTER)
          .formatAssertionsEnabled(true)
          .build();

  private TenantSchemas() {}

  /**
   * The tenant's schema, not yet compiled: {@link JsonSchema#initializeValidators()} throws on what
   * cannot be built (an unresolvable {@code $ref}, a bad regex).
   */
  public static JsonSchema of(JsonNode schema) {
    return FACTORY.getSchema(schema, CONFIG);
  }

  /**
   * What is wrong with {@code value} under the tenant's {@code schema}, each violation with a
   * pointer below {@code at} (the value's place in the request, e.g. {@code /input}); empty when it
   * matches. A schema that does not compile is one violation at {@code at}, code {@code
   * schema_unusable}: the value cannot be vouched for.
   */
  public static List<FieldError> violations(JsonNode schema, JsonNode value, String at) {
    JsonSchema compiled;
    try {
      compiled = of(schema);
      compiled.initializeValidators();
    } catch (RuntimeException e) {
      return List.of(
          new FieldError(
              at, "schema_unusable", "the schema cannot be compiled, so nothing can be checked"));
    }
    List<FieldError> errors = new ArrayList<>();
    for (ValidationMessage message : compiled.validate(value)) {
      String location = message.getInstanceLocation().toString();
      String pointer = at + (location.equals("/") ? "" : location);
      if ("required".equals(message.getType()) && message.getProperty() != null) {
        pointer = pointer + "/" + message.getProperty();
      }
      errors.add(new FieldError(pointer, message.getType(), text(message, location)));
    }
    errors.sort(Comparator.comparing(FieldError::pointer).thenComparing(FieldError::code));
    return errors;
  }

  private static String text(ValidationMessage message, String location) {
    String text = message.getMessage();
    if (!location.isEmpty() && text.startsWith(location + ": ")) {
      text = text.substring(location.length() + 2);
    } else if (text.startsWith(": ")) {
      text = text.substring(2);
    }
    return text.length() <= 300 ? text : text.substring(0, 297) + "...";
  }

  /** The JSON Schema 2020-12 meta-schema, compiled: validates a tenant's schema. */
  public static JsonSchema metaSchema() {
    JsonSchema schema = FACTORY.getSchema(SchemaLocation.of(DRAFT_2020_12), CONFIG);
    schema.initializeValidators();
    return schema;
  }
}
