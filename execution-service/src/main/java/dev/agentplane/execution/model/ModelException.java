package dev.agentplane.execution.model;

/**
 * A model call that failed for good, with a stable code the run reports as its error: {@code
 * model_unavailable} (network, 5xx or 429 after retries; retryable), {@code model_rejected} (4xx:
 * bad key, unknown model), {@code model_timeout}, {@code model_invalid_reply}.
 */
public final class ModelException extends RuntimeException {

  private final String code;
  private final boolean retryable;

  public ModelException(String code, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.retryable = retryable;
  }

  public ModelException(String code, String message, boolean retryable) {
    this(code, message, retryable, null);
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }
}
