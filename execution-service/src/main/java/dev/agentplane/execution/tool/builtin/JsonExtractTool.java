package dev.agentplane.execution.tool.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.JsonPathException;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;

/**
 * {@code json_extract} {@code {json, path}}: what a JSONPath (Jayway syntax) selects in a JSON
 * value, as JSON text. {@code json} is the value itself or a string holding JSON text, since models
 * often pass on a tool's textual result as it came. A definite path that selects nothing is an
 * error; an indefinite one ({@code $..price}, filters) answers with an array, possibly empty.
 */
final class JsonExtractTool implements BuiltinTool {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Configuration JACKSON_TREES =
      Configuration.builder()
          .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER))
          .mappingProvider(new JacksonMappingProvider(MAPPER))
          .build();

  @Override
  public String name() {
    return "json_extract";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) {
    ToolArguments arguments = ToolArguments.of(invocation.arguments());
    JsonNode document = document(arguments.required("json"));
    JsonPath path = compiled(arguments.text("path"));
    Object selected;
    try {
      selected = JsonPath.using(JACKSON_TREES).parse(document).read(path);
    } catch (PathNotFoundException e) {
      throw ToolArguments.invalid("the path selects nothing in the json: " + e.getMessage());
    } catch (JsonPathException e) {
      throw ToolArguments.invalid("the path cannot be applied to the json: " + e.getMessage());
    }
    return ToolResult.of(MAPPER.valueToTree(selected).toString());
  }

  private static JsonNode document(JsonNode json) {
    if (!json.isTextual()) {
      return json;
    }
    try {
      return MAPPER.readTree(json.textValue());
    } catch (JsonProcessingException e) {
      throw ToolArguments.invalid(
          "the argument 'json' is a string but not JSON text: " + e.getOriginalMessage());
    }
  }

  private static JsonPath compiled(String path) {
    try {
      return JsonPath.compile(path);
    } catch (InvalidPathException | IllegalArgumentException e) {
      throw ToolArguments.invalid("'" + path + "' is not a JSONPath: " + e.getMessage());
    }
  }
}
