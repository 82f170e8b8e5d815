package dev.agentplane.kit.problem;

import java.util.List;

/** The request clashes with the resource's current state (duplicate, wrong lifecycle state...). */
public final class ConflictException extends ProblemException {

  public ConflictException(String detail) {
    this(ProblemType.CONFLICT.slug(), detail);
  }

  /** A conflict with its own stable problem slug, e.g. {@code version-immutable}. */
  public ConflictException(String typeSlug, String detail) {
    this(typeSlug, detail, List.of());
  }

  /** A conflict that names its offending parts, e.g. the references that are not active. */
  public ConflictException(String typeSlug, String detail, List<FieldError> errors) {
    super(ProblemType.CONFLICT, typeSlug, detail, errors);
  }
}
