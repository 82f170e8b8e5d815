package dev.agentplane.execution.tool.mcp;

import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.util.Map;

/**
 * The JSON Schema validator handed to the MCP client so that it does not load the SDK's default,
 * which is built against json-schema-validator 2.x while this module runs 1.5.x (its own argument
 * checks): loading the default fails with {@code NoClassDefFoundError}. The client consults a
 * validator only for tools' output schemas when schema caching is on, which it is not here; a
 * tool's result reaches the model as text either way.
 */
final class OutputSchemasUnchecked implements JsonSchemaValidator {

  @Override
  public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
    return ValidationResponse.asValid(null);
  }
}
