package dev.agentplane.kit.problem;

import java.time.Duration;
import java.util.List;

/**
 * The caller is over a limit or quota (429, retryable later): nothing was done, and the same
 * request may succeed after {@link #retryAfter()}, sent as {@code Retry-After}.
 */
public final class TooManyRequestsException extends ProblemException {

  private final Duration retryAfter;

  /** With its own stable problem slug, e.g. {@code queued-runs-quota}. */
  public TooManyRequestsException(String typeSlug, String detail, Duration retryAfter) {
    super(ProblemType.RATE_LIMITED, typeSlug, detail, List.of());
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
