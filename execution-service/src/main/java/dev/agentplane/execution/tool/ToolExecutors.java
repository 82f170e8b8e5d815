package dev.agentplane.execution.tool;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds the executor for a tool spec by its {@code type}. */
@Singleton
public class ToolExecutors {

  private final Map<String, ToolExecutor> byType;

  public ToolExecutors(List<ToolExecutor> executors) {
    Map<String, ToolExecutor> types = new HashMap<>();
    for (ToolExecutor executor : executors) {
      ToolExecutor previous = types.putIfAbsent(executor.type(), executor);
      if (previous != null) {
        throw new IllegalStateException(
            "Two executors serve the tool type '"
                + executor.type()
                + "': "
                + previous.getClass().getName()
                + " and "
                + executor.getClass().getName());
      }
    }
    this.byType = Map.copyOf(types);
  }

  /**
   * The executor for the spec's {@code type}.
   *
   * @throws ToolFailure {@code unknown_tool_type} when no executor serves it
   */
  public ToolExecutor forSpec(JsonNode spec) {
    JsonNode type = spec == null ? null : spec.get("type");
    if (type == null || !type.isTextual()) {
      throw new ToolFailure("unknown_tool_type", "The tool spec has no type");
    }
    ToolExecutor executor = byType.get(type.textValue());
    if (executor == null) {
      throw new ToolFailure(
          "unknown_tool_type", "No executor serves tools of type '" + type.textValue() + "'");
    }
    return executor;
  }

  /** Calls the tool with the executor its spec's type names. */
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    return forSpec(invocation.spec()).call(invocation);
  }
}
