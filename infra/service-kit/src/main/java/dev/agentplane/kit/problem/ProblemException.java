package dev.agentplane.kit.problem;

import java.util.List;

/**
 * A failure the client should hear about, as a problem of a known {@link ProblemType}. Services
 * throw the subclasses; {@link ProblemResponses} turns them into problem+json once, for all.
 */
public abstract sealed class ProblemException extends RuntimeException
    permits NotFoundException,
        ConflictException,
        ValidationFailedException,
        ForbiddenException,
        UnauthorizedException,
        PreconditionFailedException,
        PreconditionRequiredException,
        PayloadTooLargeException,
        BadRequestException,
        ServiceUnavailableException,
        TooManyRequestsException {

  private final ProblemType type;
  private final String typeSlug;
  private final List<FieldError> errors;

  protected ProblemException(
      ProblemType type, String typeSlug, String detail, List<FieldError> errors) {
    super(detail);
    this.type = type;
    this.typeSlug = typeSlug;
    this.errors = List.copyOf(errors);
  }

  public ProblemType type() {
    return type;
  }

  /**
   * A more specific, stable problem slug than the type's own (e.g. {@code version-immutable} for a
   * conflict), or the type's slug.
   */
  public String typeSlug() {
    return typeSlug;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
