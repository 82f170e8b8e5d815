package dev.agentplane.execution.run;

/**
 * Whether this instance starts a run itself once the transaction that queued it commits: eager
 * start is on, this instance accepts work, and a worker slot is free now.
 */
public interface EagerStart {

  boolean startsHere();
}
