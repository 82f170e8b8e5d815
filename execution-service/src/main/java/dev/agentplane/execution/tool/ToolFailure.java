package dev.agentplane.execution.tool;

/**
 * A tool call that did not produce a result. The loop reports it to the model as the tool's result
 * ({@code tool.failed}), so it never fails the run by itself. Codes are stable: {@code
 * invalid_arguments}, {@code unknown_tool}, {@code tool_timeout}, {@code tool_http_error}, {@code
 * tool_host_blocked}, {@code tool_secret_missing}, {@code tool_error}, ...
 */
public final class ToolFailure extends RuntimeException {

  private final String code;

  public ToolFailure(String code, String message) {
    super(message);
    this.code = code;
  }

  public ToolFailure(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
