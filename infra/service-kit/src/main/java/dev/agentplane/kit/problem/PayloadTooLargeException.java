package dev.agentplane.kit.problem;

import java.util.List;

/** A part of the request is larger than the service accepts (the whole body is capped earlier). */
public final class PayloadTooLargeException extends ProblemException {

  public PayloadTooLargeException(String detail, List<FieldError> errors) {
    super(ProblemType.PAYLOAD_TOO_LARGE, ProblemType.PAYLOAD_TOO_LARGE.slug(), detail, errors);
  }
}
