package dev.agentplane.execution.loop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.registry.AgentSnapshot;

/**
 * The limits a run of this agent version runs under: its spec's {@code policy}, else the service's
 * defaults.
 *
 * @param tokenBudget null when the agent sets none
 * @param askOnUnknownOutcome whether a started call that may have happened before a crash, and is
 *     not safe to repeat, waits for a human to allow the retry ({@code onUnknownOutcome: ask}, the
 *     default) rather than failing the run ({@code fail})
 */
record AgentPolicy(
    int maxSteps,
    int timeoutSeconds,
    Long tokenBudget,
    JsonNode toolApproval,
    boolean askOnUnknownOutcome) {

  static AgentPolicy of(AgentSnapshot snapshot, LoopSettings defaults) {
    JsonNode policy = snapshot.spec().path("policy");
    return new AgentPolicy(
        policy.path("maxSteps").asInt(defaults.defaultMaxSteps()),
        policy.path("timeoutSeconds").asInt((int) defaults.defaultTimeout().toSeconds()),
        policy.hasNonNull("tokenBudget") ? policy.path("tokenBudget").asLong() : null,
        policy.path("toolApproval"),
        !"fail".equals(policy.path("onUnknownOutcome").asText()));
  }
}
