package dev.agentplane.contracts;

/** What a run's step does: call the model, or call one tool the model asked for. */
public enum StepKind {
  MODEL,
  TOOL
}
