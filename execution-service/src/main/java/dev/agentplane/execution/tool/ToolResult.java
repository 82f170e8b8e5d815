package dev.agentplane.execution.tool;

/**
 * What a tool returned, as text for the model.
 *
 * @param truncated whether the result was cut at the size cap (the content then ends with a marker
 *     saying so)
 */
public record ToolResult(String content, boolean truncated) {

  public static ToolResult of(String content) {
    return new ToolResult(content, false);
  }
}
