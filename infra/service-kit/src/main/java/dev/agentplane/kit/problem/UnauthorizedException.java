package dev.agentplane.kit.problem;

import java.util.List;

/**
 * A credential other than the bearer token failed: a signed message's signature or timestamp, a
 * one-time link. (A missing or bad JWT never reaches a controller; the kit's security answers it.)
 */
public final class UnauthorizedException extends ProblemException {

  /** A refusal with its own stable problem slug, e.g. {@code invalid-signature}. */
  public UnauthorizedException(String typeSlug, String detail) {
    super(ProblemType.UNAUTHORIZED, typeSlug, detail, List.of());
  }
}
