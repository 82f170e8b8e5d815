package dev.agentplane.execution.tool.builtin;

import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;

/** One tool of the builtin catalog, named by a spec's {@code builtin.name}. */
interface BuiltinTool {

  String name();

  ToolResult call(ToolInvocation invocation) throws InterruptedException;
}
