package dev.agentplane.execution.registry;

/** The registry could not answer (down, timing out, or answering 5xx); worth retrying later. */
public final class RegistryUnavailableException extends RuntimeException {

  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
