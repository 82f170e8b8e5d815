package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AnnotationKeyword;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import dev.agentplane.kit.problem.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an approver's edited tool-call arguments against the tool's {@code inputSchema} (JSON
 * Schema 2020-12, as the registry validated it), so an edit can never hand the tool input it would
 * have refused.
 */
final class ArgumentEdits {

  private static final String POINTER = "/editedArguments";

  // Loads only from the classpath (the meta-schemas): a "$ref" in a tenant's schema must never
  // make the approval service fetch a URL.
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          builder ->
              builder
                  .metaSchema(
                      JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                          .unknownKeywordFactory(
                              (keyword, context) -> new AnnotationKeyword(keyword))
                          .build())
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

  private ArgumentEdits() {}

  /** What is wrong with the edit, each with a pointer into the request body; empty when valid. */
  static List<FieldError> check(JsonNode edited, JsonNode inputSchema) {
    if (!edited.isObject()) {
      return List.of(
          new FieldError(POINTER, "wrong_type", "editedArguments must be a JSON object"));
    }
    if (inputSchema == null || inputSchema.isNull() || inputSchema.isMissingNode()) {
      return List.of();
    }
    JsonSchema schema;
    try {
      schema = FACTORY.getSchema(inputSchema, CONFIG);
      schema.initializeValidators();
    } catch (RuntimeException e) {
      return List.of(
          new FieldError(
              POINTER,
              "schema_unusable",
              "the request's inputSchema cannot be compiled, so no edit can be checked"));
    }
    List<FieldError> errors = new ArrayList<>();
    for (ValidationMessage message : schema.validate(edited)) {
      String location = message.getInstanceLocation().toString();
      String pointer = POINTER + (location.equals("/") ? "" : location);
      if ("required".equals(message.getType()) && message.getProperty() != null) {
        pointer = pointer + "/" + message.getProperty();
      }
      errors.add(new FieldError(pointer, message.getType(), text(message, location)));
    }
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
}
