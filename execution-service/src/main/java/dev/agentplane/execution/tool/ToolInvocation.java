package dev.agentplane.execution.tool;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.UUID;

/**
 * One call of a tool by a run, with arguments already checked against the tool's {@code
 * inputSchema}.
 *
 * @param spec the tool version's spec as snapshotted into the run (registry-service README, "Spec
 *     formats"): {@code type} and the matching block
 * @param arguments a JSON object
 * @param timeout how long the call may take at most; the tool's own shorter timeout wins
 */
public record ToolInvocation(
    String tenantId,
    UUID runId,
    String toolCallId,
    String toolName,
    JsonNode spec,
    JsonNode arguments,
    Duration timeout) {

  /**
   * Identifies this call across retries of the run (a worker taking over after a crash repeats it
   * with the same key), so a downstream service can deduplicate: {@code <run id>:<tool call id>}.
   */
  public String idempotencyKey() {
    return idempotencyKeyOf(runId, toolCallId);
  }

  /** The idempotency key of a run's tool call. */
  public static String idempotencyKeyOf(UUID runId, String toolCallId) {
    return runId + ":" + toolCallId;
  }
}
