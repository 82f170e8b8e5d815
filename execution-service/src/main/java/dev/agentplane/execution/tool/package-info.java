/**
 * Tool calls: {@link dev.agentplane.execution.tool.ToolExecutors} picks the executor for a tool
 * spec's {@code type} ({@code builtin}, {@code http}, {@code mcp}, {@code agent}), which calls the
 * tool once with arguments the loop already checked against the tool's inputSchema.
 *
 * <p>A call that produces no result throws {@link dev.agentplane.execution.tool.ToolFailure} with a
 * stable code, which the model sees as the tool's answer: {@code unknown_tool_type}, {@code
 * unknown_tool}, {@code invalid_arguments}, {@code invalid_expression} (calculator), {@code
 * invalid_tool_spec}, {@code tool_secret_missing}, {@code tool_secret_invalid}, {@code
 * tool_host_blocked}, {@code tool_timeout}, {@code tool_connection_failed}, {@code
 * tool_http_error}, {@code tool_error}; agent-typed tools add {@code agent_not_found}, {@code
 * agent_not_runnable}, {@code agent_forbidden}, {@code agent_depth_exceeded} and {@code
 * agent_run_failed}.
 *
 * <p>Configuration: {@code agentplane.execution.tools.builtin.sleep-maximum} (30s), {@code
 * agentplane.execution.tools.http.max-response-bytes} (1048576), {@code
 * agentplane.execution.tools.http.connect-timeout} (10s), {@code
 * agentplane.execution.tools.mcp.connect-timeout} (10s), {@code
 * agentplane.execution.tools.mcp.tool-list-ttl} (60s), {@code
 * agentplane.execution.tools.mcp.max-result-characters} (1048576).
 */
package dev.agentplane.execution.tool;
