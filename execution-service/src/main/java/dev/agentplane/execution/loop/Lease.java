package dev.agentplane.execution.loop;

import java.util.UUID;

/**
 * A worker's hold on a run: every write names the epoch it was granted with, and is refused once a
 * newer claim has raised the run's epoch.
 */
public record Lease(UUID runId, String tenantId, UUID agentId, String owner, long epoch) {}
