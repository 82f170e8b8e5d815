package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.kit.json.TenantSchemas;
import dev.agentplane.kit.problem.FieldError;
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
    return TenantSchemas.violations(inputSchema, edited, POINTER);
  }
}
