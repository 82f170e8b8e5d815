package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Something subscribers should hear about an approval request, published with Micronaut's {@code
 * ApplicationEventPublisher} inside the transaction that made the change: listeners run on the same
 * thread and transaction, so whatever they queue (webhook deliveries) commits or rolls back with
 * the change itself.
 *
 * @param noticeId unique per notice; subscribers deduplicate on it (it becomes the {@code
 *     webhook-id} of every delivery made for it)
 * @param type one of the {@code TYPE_*} constants, the event type subscribers filter on
 * @param data the approval request as {@code GET /v1/approvals/{id}} shows it after the change
 */
public record ApprovalNotice(
    UUID noticeId,
    String tenantId,
    String type,
    UUID approvalId,
    Instant occurredAt,
    JsonNode data) {

  public static final String TYPE_REQUESTED = "approval.requested";
  public static final String TYPE_DECIDED = "approval.decided";
  public static final String TYPE_EXPIRED = "approval.expired";
  public static final String TYPE_REMINDER = "approval.reminder";
  public static final String TYPE_ESCALATED = "approval.escalated";
  public static final String TYPE_CANCELLED = "approval.cancelled";

  public ApprovalNotice {
    Objects.requireNonNull(noticeId, "noticeId");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(approvalId, "approvalId");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(data, "data");
  }
}
