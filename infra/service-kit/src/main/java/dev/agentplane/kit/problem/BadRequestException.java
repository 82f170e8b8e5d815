package dev.agentplane.kit.problem;

import java.util.List;

/** Input that cannot be understood at all (bad parameter, unreadable body): 400 with pointers. */
public final class BadRequestException extends ProblemException {

  public BadRequestException(String detail, List<FieldError> errors) {
    super(ProblemType.INVALID_REQUEST, ProblemType.INVALID_REQUEST.slug(), detail, errors);
  }
}
