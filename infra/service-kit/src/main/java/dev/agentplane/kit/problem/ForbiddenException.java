package dev.agentplane.kit.problem;

import java.util.List;

/** The caller is authenticated but lacks the role for this action. */
public final class ForbiddenException extends ProblemException {

  public ForbiddenException(String detail) {
    super(ProblemType.FORBIDDEN, ProblemType.FORBIDDEN.slug(), detail, List.of());
  }
}
