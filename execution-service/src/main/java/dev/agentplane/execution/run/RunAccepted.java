package dev.agentplane.execution.run;

import java.util.UUID;

/**
 * Published in process once a transaction that queued a run (intake, a resume, a fork, a decision)
 * has committed, so this instance's workers may start it at once (eager start) instead of waiting
 * for its dispatch message to come back from Kafka.
 */
public record RunAccepted(String tenantId, UUID runId) {}
