package dev.agentplane.kit.problem;

import java.util.List;

/**
 * A conditional request was required (RFC 6585 § 3): e.g. an update without {@code If-Match}, which
 * could silently overwrite someone else's change.
 */
public final class PreconditionRequiredException extends ProblemException {

  public PreconditionRequiredException(String detail) {
    super(
        ProblemType.PRECONDITION_REQUIRED,
        ProblemType.PRECONDITION_REQUIRED.slug(),
        detail,
        List.of());
  }
}
