package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Asks humans to decide, on {@link Topics#APPROVALS_REQUESTED}, keyed by {@link
 * ApprovalSubject#key()}; execution (gated tool calls) and registry (reviewed promotions) emit,
 * approval consumes.
 *
 * @param approvalId the id to use for the request, null to let the approval service assign one
 * @param title one line for lists and notifications
 * @param summary what is asked, in a few sentences, for the approver
 * @param context what an approver needs to decide, e.g. {@code toolName}, {@code arguments}, {@code
 *     inputSchema}, {@code risk}, {@code reason}, {@code link}
 */
@EventType("dev.agentplane.approval.requested")
public record ApprovalRequested(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    String tenantId,
    UUID approvalId,
    ApprovalKind kind,
    ApprovalSubject subject,
    Requester requestedBy,
    String title,
    String summary,
    JsonNode context,
    ApprovalPolicy policy)
    implements PlatformEvent {

  @Override
  public String aggregateId() {
    return subject.key();
  }
}
