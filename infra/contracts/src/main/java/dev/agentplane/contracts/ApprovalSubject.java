package dev.agentplane.contracts;

import java.util.Locale;
import java.util.UUID;

/**
 * What an approval is about: a tool call ({@code runId}, {@code toolCallId}), a version promotion
 * ({@code resourceKind}, {@code resourceId}, {@code version}) or a custom gate ({@code reference},
 * chosen by the service that opened it); the parts of the other kinds are null.
 */
public record ApprovalSubject(
    UUID runId,
    String toolCallId,
    ResourceKind resourceKind,
    UUID resourceId,
    Integer version,
    String reference) {

  /** The subject of a gated tool call. */
  public static ApprovalSubject toolCall(UUID runId, String toolCallId) {
    return new ApprovalSubject(runId, toolCallId, null, null, null, null);
  }

  /** The subject of a promotion waiting for review. */
  public static ApprovalSubject promotion(ResourceKind kind, UUID resourceId, int version) {
    return new ApprovalSubject(null, null, kind, resourceId, version, null);
  }

  /** The subject of a custom gate, e.g. {@code deploy/prod/2024-06-01}. */
  public static ApprovalSubject custom(String reference) {
    return new ApprovalSubject(null, null, null, null, null, reference);
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
    if (reference != null) {
      return "custom/" + reference;
    }
    throw new IllegalStateException(
        "Approval subject names neither a tool call, a version nor a reference");
  }
}
