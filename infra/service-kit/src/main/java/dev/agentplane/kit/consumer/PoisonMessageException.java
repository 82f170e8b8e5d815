package dev.agentplane.kit.consumer;

/**
 * Thrown by an event handler when the event can never be processed (it contradicts the state it
 * refers to, names something that does not exist...): the event goes to the dead-letter topic at
 * once instead of being retried.
 */
public final class PoisonMessageException extends RuntimeException {

  public PoisonMessageException(String reason) {
    super(reason);
  }

  public PoisonMessageException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
