package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.agentplane.kit.json.TenantSchemas;
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
      schema = TenantSchemas.of(inputSchema);
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
