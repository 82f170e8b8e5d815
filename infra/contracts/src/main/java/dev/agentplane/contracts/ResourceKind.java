package dev.agentplane.contracts;

/** What kind of registry resource a version or an approval is about. */
public enum ResourceKind {
  AGENT,
  TOOL
}
