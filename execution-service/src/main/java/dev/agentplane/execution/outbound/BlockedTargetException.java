package dev.agentplane.execution.outbound;

/** A call the SSRF rule refused before any connection was made. */
public final class BlockedTargetException extends RuntimeException {

  public BlockedTargetException(String message) {
    super(message);
  }
}
