package dev.agentplane.execution.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.RunMode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run as stored: the request, the snapshot it runs, and where it stands.
 *
 * @param forkedFrom the checkpoint this run was forked from; null for a run started by a request
 */
public record Run(
    UUID id,
    String tenantId,
    UUID agentId,
    String agentName,
    int agentVersion,
    String specHash,
    RunMode mode,
    RunStatus status,
    JsonNode input,
    JsonNode output,
    JsonNode snapshot,
    JsonNode metadata,
    String idempotencyKey,
    String requestHash,
    String createdBy,
    PrincipalType creatorType,
    List<String> creatorRoles,
    UUID parentRunId,
    String parentToolCallId,
    int depth,
    int steps,
    long inputTokens,
    long outputTokens,
    long costMicros,
    String errorCode,
    String errorMessage,
    long lastSeq,
    long epoch,
    Instant cancelRequestedAt,
    String cancelRequestedBy,
    String cancelReason,
    int timeoutSeconds,
    Instant deadlineAt,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    ForkOrigin forkedFrom) {

  /** The checkpoint a forked run starts from: checkpoint {@code seq} of run {@code runId}. */
  public record ForkOrigin(UUID runId, int seq) {}
}
