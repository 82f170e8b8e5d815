package dev.agentplane.contracts;

/** How a tool call ended; a rejected call's reason goes back to the model as the tool result. */
public enum ToolCallOutcome {
  SUCCEEDED,
  FAILED,
  REJECTED
}
