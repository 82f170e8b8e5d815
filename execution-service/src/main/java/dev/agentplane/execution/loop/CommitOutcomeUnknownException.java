package dev.agentplane.execution.loop;

/**
 * A journal commit lost its connection after its first write, and PostgreSQL could not say whether
 * it committed. Nothing is written again: the worker stops the run, its lease lapses, and the next
 * claim carries on from whatever did commit.
 */
public final class CommitOutcomeUnknownException extends RuntimeException {

  CommitOutcomeUnknownException(String transactionId, Throwable lost) {
    super("The outcome of journal transaction " + transactionId + " is unknown", lost);
  }
}
