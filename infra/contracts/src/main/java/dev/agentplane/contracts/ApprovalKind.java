package dev.agentplane.contracts;

/** What an approval gates: a tool call of a run, or the promotion of a version. */
public enum ApprovalKind {
  TOOL_CALL,
  PROMOTION
}
