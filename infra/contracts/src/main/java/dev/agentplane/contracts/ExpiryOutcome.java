package dev.agentplane.contracts;

/** The decision an approval request takes by itself when it expires undecided. */
public enum ExpiryOutcome {
  REJECT,
  APPROVE
}
