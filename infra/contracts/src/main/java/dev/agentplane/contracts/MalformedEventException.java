package dev.agentplane.contracts;

import java.util.List;

/**
 * An event that does not honour the contract (unknown type, missing or undecodable data, missing or
 * mismatching tenant, schema violation): retrying cannot fix it, so consumers dead-letter it.
 */
public final class MalformedEventException extends RuntimeException {

  private final List<String> violations;

  public MalformedEventException(String message) {
    this(message, List.of(), null);
  }

  public MalformedEventException(String message, Throwable cause) {
    this(message, List.of(), cause);
  }

  public MalformedEventException(String message, List<String> violations) {
    this(message, violations, null);
  }

  private MalformedEventException(String message, List<String> violations, Throwable cause) {
    super(violations.isEmpty() ? message : message + ": " + String.join("; ", violations), cause);
    this.violations = List.copyOf(violations);
  }

  /** The schema violations, each naming the JSON pointer of the offending field; may be empty. */
  public List<String> violations() {
    return violations;
  }
}
