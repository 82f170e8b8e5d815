package dev.agentplane.execution.tool.builtin;

import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;

/** {@code echo}: answers with its arguments, as JSON; useful to try agents and the loop. */
final class EchoTool implements BuiltinTool {

  @Override
  public String name() {
    return "echo";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) {
    return ToolResult.of(invocation.arguments() == null ? "{}" : invocation.arguments().toString());
  }
}
