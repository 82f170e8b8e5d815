package dev.agentplane.execution.gate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.UUID;

/**
 * One gated tool call of a run and its decision so far.
 *
 * @param arguments what the model asked for
 * @param finalArguments what an approver approved (possibly edited); null until approved
 * @param reason the approver's reason; for a rejection, what the model is told
 */
public record Gate(
    UUID runId,
    String toolCallId,
    UUID approvalId,
    String toolName,
    JsonNode arguments,
    GateStatus status,
    JsonNode finalArguments,
    JsonNode argumentsDiff,
    String reason,
    List<String> decidedBy) {

  public boolean waiting() {
    return status == GateStatus.WAITING;
  }

  /** The stable approval id of a run's tool call: the same call always asks the same request. */
  public static UUID approvalIdOf(UUID runId, String toolCallId) {
    return UUID.nameUUIDFromBytes(
        ("agentplane/run/" + runId + "/tool-call/" + toolCallId)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
