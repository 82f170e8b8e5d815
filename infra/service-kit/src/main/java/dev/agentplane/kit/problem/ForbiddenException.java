package dev.agentplane.kit.problem;

import java.util.List;

/** The caller is authenticated but lacks the role for this action. */
public final class ForbiddenException extends ProblemException {

  public ForbiddenException(String detail) {
    this(ProblemType.FORBIDDEN.slug(), detail);
  }

  /**
   * A refusal with its own stable problem slug, e.g. {@code requester-cannot-decide}, for a client
   * that needs to tell one reason from another.
   */
  public ForbiddenException(String typeSlug, String detail) {
    super(ProblemType.FORBIDDEN, typeSlug, detail, List.of());
  }
}
