package dev.agentplane.execution.model;

/**
 * A family of models ({@code builtin}, {@code openai}). Calls block the calling virtual thread; an
 * interrupt (the run was cancelled or timed out) must abort the call promptly and surface as {@link
 * InterruptedException}.
 */
public interface ModelProvider {

  /** The {@code model.provider} value of agent specs this provider serves. */
  String provider();

  /**
   * Calls the model once.
   *
   * @throws ModelException when the call failed after the provider's own retries
   * @throws InterruptedException when the calling thread was interrupted
   */
  ModelReply complete(ModelRequest request, ModelDeltas deltas) throws InterruptedException;
}
