package dev.agentplane.kit.problem;

import java.util.List;

/**
 * A service this one depends on cannot answer now (503, retryable): the request was not carried out
 * and may be sent again unchanged.
 */
public final class ServiceUnavailableException extends ProblemException {

  /** With its own stable problem slug, e.g. {@code registry-unavailable}. */
  public ServiceUnavailableException(String typeSlug, String detail) {
    super(ProblemType.SERVICE_UNAVAILABLE, typeSlug, detail, List.of());
  }
}
