package dev.agentplane.contracts;

/**
 * What an approval gates: a tool call of a run, the promotion of a version, or a custom gate a
 * service opened through {@code POST /v1/approvals} (named by a reference of its own).
 */
public enum ApprovalKind {
  TOOL_CALL,
  PROMOTION,
  CUSTOM
}
