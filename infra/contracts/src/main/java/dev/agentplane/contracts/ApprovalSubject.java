package dev.agentplane.contracts;

import java.util.Locale;
import java.util.UUID;

/**
 * What an approval is about: a tool call ({@code runId}, {@code toolCallId}) or a version promotion
 * ({@code resourceKind}, {@code resourceId}, {@code version}); the parts of the other kind are
 * null.
 */
public record ApprovalSubject(
    UUID runId, String toolCallId, ResourceKind resourceKind, UUID resourceId, Integer version) {

  /** The subject of a gated tool call. */
  public static ApprovalSubject toolCall(UUID runId, String toolCallId) {
    return new ApprovalSubject(runId, toolCallId, null, null, null);
  }

  /** The subject of a promotion waiting for review. */
  public static ApprovalSubject promotion(ResourceKind kind, UUID resourceId, int version) {
    return new ApprovalSubject(null, null, kind, resourceId, version);
  }

  /**
   * A stable key for the subject, the Kafka key of approval requests: a repeated request for the
   * same subject lands on the same partition, behind the first, where it is easy to deduplicate.
   */
  public String key() {
    if (runId != null && toolCallId != null) {
      return "run/" + runId + "/tool-call/" + toolCallId;
    }
    if (resourceKind != null && resourceId != null && version != null) {
      return resourceKind.name().toLowerCase(Locale.ROOT)
          + "/"
          + resourceId
          + "/version/"
          + version;
    }
    throw new IllegalStateException("Approval subject names neither a tool call nor a version");
  }
}
