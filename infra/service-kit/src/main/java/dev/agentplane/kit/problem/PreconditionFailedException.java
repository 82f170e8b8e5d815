package dev.agentplane.kit.problem;

import java.util.List;

/** An If-Match or similar precondition did not hold. */
public final class PreconditionFailedException extends ProblemException {

  public PreconditionFailedException(String detail) {
    super(
        ProblemType.PRECONDITION_FAILED, ProblemType.PRECONDITION_FAILED.slug(), detail, List.of());
  }
}
