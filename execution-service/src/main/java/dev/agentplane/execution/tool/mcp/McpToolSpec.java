package dev.agentplane.execution.tool.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolFailure;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * An MCP tool's {@code mcp} block (registry-service README, "Spec formats").
 *
 * @param serverUrl the server's streamable-HTTP endpoint, e.g. {@code https://tools.example/mcp}
 * @param toolName the tool's name on that server
 * @param authSecret the tenant secret sent as {@code Authorization: Bearer ...}, if any
 */
record McpToolSpec(URI serverUrl, String toolName, Optional<String> authSecret) {

  static McpToolSpec of(JsonNode spec) {
    JsonNode mcp = spec.path("mcp");
    String serverUrl = requiredText(mcp, "serverUrl");
    URI server;
    try {
      server = new URI(serverUrl);
    } catch (URISyntaxException e) {
      throw invalidSpec("the serverUrl is not a URL: " + e.getReason());
    }
    if (!server.isAbsolute() || server.getHost() == null) {
      throw invalidSpec("the serverUrl is not an absolute http(s) URL");
    }
    JsonNode authSecret = mcp.path("authSecret");
    return new McpToolSpec(
        server,
        requiredText(mcp, "toolName"),
        authSecret.isTextual() ? Optional.of(authSecret.textValue()) : Optional.empty());
  }

  String origin() {
    return serverUrl.getScheme() + "://" + serverUrl.getRawAuthority();
  }

  private static String requiredText(JsonNode mcp, String field) {
    JsonNode value = mcp.path(field);
    if (!value.isTextual() || value.textValue().isBlank()) {
      throw invalidSpec("the mcp block has no " + field);
    }
    return value.textValue();
  }

  private static ToolFailure invalidSpec(String problem) {
    return new ToolFailure("invalid_tool_spec", "The MCP tool spec is unusable: " + problem);
  }
}
