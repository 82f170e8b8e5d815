package dev.agentplane.contracts;

/** How an approval request ended. */
public enum ApprovalOutcome {
  APPROVED,
  REJECTED,
  EXPIRED,
  CANCELLED
}
