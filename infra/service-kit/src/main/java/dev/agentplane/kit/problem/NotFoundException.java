package dev.agentplane.kit.problem;

import java.util.List;

/**
 * The named resource does not exist in the caller's tenant (also what another tenant's resource
 * looks like).
 */
public final class NotFoundException extends ProblemException {

  public NotFoundException(String detail) {
    super(ProblemType.NOT_FOUND, ProblemType.NOT_FOUND.slug(), detail, List.of());
  }
}
