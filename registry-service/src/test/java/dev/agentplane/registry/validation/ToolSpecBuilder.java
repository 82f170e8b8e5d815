package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.Json.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Tool specs for tests, valid until told otherwise: {@code aTool().http().highRisk().build()}. The
 * default is a low-risk HTTP GET whose URL, header and secret are all declared and present in
 * {@link InMemoryRegistry#aRegistry()} plus {@link #SECRET}.
 */
final class ToolSpecBuilder {

  static final String SECRET = "WEATHER_TOKEN";

  private final ObjectNode spec;

  private ToolSpecBuilder(ObjectNode spec) {
    this.spec = spec;
  }

  static ToolSpecBuilder aTool() {
    return new ToolSpecBuilder(
        (ObjectNode)
            json(
                """
                {
                  'description': 'Current weather for a city',
                  'type': 'http',
                  'http': {
                    'method': 'GET',
                    'url': 'https://api.weather.example/v1/cities/{city}?units={units}',
                    'headers': {'Authorization': 'Bearer {{secret:WEATHER_TOKEN}}'},
                    'timeoutMs': 5000
                  },
                  'inputSchema': {
                    'type': 'object',
                    'properties': {
                      'city': {'type': 'string'},
                      'units': {'enum': ['metric', 'imperial']}
                    },
                    'required': ['city']
                  },
                  'risk': 'low',
                  'approval': 'never'
                }
                """));
  }

  ToolSpecBuilder http() {
    return this;
  }

  ToolSpecBuilder post() {
    return set("/http/method", "POST");
  }

  ToolSpecBuilder url(String url) {
    return set("/http/url", url);
  }

  ToolSpecBuilder header(String name, String value) {
    return set("/http/headers/" + name.replace("~", "~0").replace("/", "~1"), value);
  }

  ToolSpecBuilder body(String body) {
    return set("/http/body", body);
  }

  ToolSpecBuilder builtin(String name) {
    spec.remove("http");
    return set("/type", "builtin").set("/builtin", json("{'name': '" + name + "'}"));
  }

  ToolSpecBuilder mcp(String serverUrl) {
    spec.remove("http");
    return set("/type", "mcp")
        .set("/mcp", json("{'toolName': 'search'}"))
        .set("/mcp/serverUrl", serverUrl);
  }

  ToolSpecBuilder callingAgent(String agentName) {
    spec.remove("http");
    return set("/type", "agent").set("/agent", json("{'name': '" + agentName + "'}"));
  }

  ToolSpecBuilder highRisk() {
    return set("/risk", "high").set("/approval", "always");
  }

  ToolSpecBuilder approval(Object approval) {
    return set("/approval", approval);
  }

  ToolSpecBuilder inputSchema(JsonNode schema) {
    return set("/inputSchema", schema);
  }

  /** Sets any member by JSON pointer, e.g. {@code set("/http/timeoutMs", 0)}. */
  ToolSpecBuilder set(String pointer, Object value) {
    Json.set(spec, pointer, Json.value(value));
    return this;
  }

  ToolSpecBuilder without(String pointer) {
    Json.remove(spec, pointer);
    return this;
  }

  JsonNode build() {
    return spec.deepCopy();
  }
}
