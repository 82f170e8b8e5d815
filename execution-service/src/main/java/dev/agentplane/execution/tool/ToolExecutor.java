package dev.agentplane.execution.tool;

/**
 * Calls tools of one {@code type} ({@code builtin}, {@code http}, {@code mcp}, {@code agent}).
 * Calls block the calling virtual thread; an interrupt (the run was cancelled or timed out) must
 * abort an in-flight call promptly and surface as {@link InterruptedException}.
 */
public interface ToolExecutor {

  /** The tool spec {@code type} this executor serves. */
  String type();

  /**
   * Calls the tool once.
   *
   * @throws ToolFailure when the call did not produce a result
   * @throws InterruptedException when the calling thread was interrupted
   */
  ToolResult call(ToolInvocation invocation) throws InterruptedException;
}
