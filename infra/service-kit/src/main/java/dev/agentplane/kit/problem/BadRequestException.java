package dev.agentplane.kit.problem;

import java.util.List;

/** Input that cannot be understood at all (bad parameter, unreadable body): 400 with pointers. */
public final class BadRequestException extends ProblemException {

  public BadRequestException(String detail, List<FieldError> errors) {
    this(ProblemType.INVALID_REQUEST, detail, errors);
  }

  private BadRequestException(ProblemType type, String detail, List<FieldError> errors) {
    super(type, type.slug(), detail, errors);
  }

  /** A body that does not even parse: the same problem type the framework's parser answers with. */
  public static BadRequestException malformed(String detail, List<FieldError> errors) {
    return new BadRequestException(ProblemType.MALFORMED_REQUEST, detail, errors);
  }
}
