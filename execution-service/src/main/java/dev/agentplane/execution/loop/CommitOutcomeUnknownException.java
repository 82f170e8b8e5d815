package dev.agentplane.execution.loop;

/**
 * A journal commit got no answer (its connection went), and PostgreSQL could not say whether it
 * went through. Nothing is written again: the worker stops the run, its lease lapses, and the next
 * claim carries on from whatever did commit.
 */
public final class CommitOutcomeUnknownException extends RuntimeException {

  CommitOutcomeUnknownException(String transactionId, Throwable lost) {
    super("The outcome of journal transaction " + transactionId + " is unknown", lost);
  }
}
