package dev.agentplane.execution.loop;

import java.util.UUID;

/**
 * A write refused because the worker's lease is no longer the run's current one: another worker
 * claimed the run (its epoch is higher), or the run ended. The worker stops the run at once.
 */
public final class StaleLeaseException extends RuntimeException {

  public StaleLeaseException(UUID runId, long epoch) {
    super("The lease of run " + runId + " at epoch " + epoch + " is no longer current");
  }
}
