package dev.agentplane.execution.model;

/**
 * Where a provider reports text as it streams in, for watchers of the run. The run coalesces deltas
 * before persisting them, so a provider reports each chunk as it arrives.
 */
@FunctionalInterface
public interface ModelDeltas {

  ModelDeltas IGNORED = text -> {};

  void text(String delta);
}
