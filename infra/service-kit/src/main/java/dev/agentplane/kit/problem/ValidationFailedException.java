package dev.agentplane.kit.problem;

import java.util.List;

/** Well-formed input that breaks a rule (schema, reference, lifecycle): 422 with pointers. */
public final class ValidationFailedException extends ProblemException {

  public ValidationFailedException(String detail, List<FieldError> errors) {
    super(ProblemType.VALIDATION_FAILED, ProblemType.VALIDATION_FAILED.slug(), detail, errors);
  }
}
