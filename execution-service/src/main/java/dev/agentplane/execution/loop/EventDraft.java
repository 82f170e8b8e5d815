package dev.agentplane.execution.loop;

import dev.agentplane.contracts.RunEvent;

/** An event waiting for its sequence number, which the journal assigns under the run's lock. */
@FunctionalInterface
interface EventDraft {

  RunEvent at(long sequence);
}
