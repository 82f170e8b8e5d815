package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A decision recorded once, on {@link Topics#APPROVALS_DECIDED}, keyed by approval id; approval
 * emits, execution (to resume the run) and registry (to finish the promotion) consume.
 *
 * @param finalArguments the tool call's arguments as approved, possibly edited; null when not a
 *     tool call or not approved
 * @param argumentsDiff the approver's edits as an RFC 6902 JSON Patch against the requested
 *     arguments; null when nothing was edited
 * @param reason why, mandatory in spirit for rejections (it goes back to the model); null if none
 * @param decidedBy subjects of the approvers, empty when the request expired or was cancelled
 *     without one
 * @param decidedAt when the deciding approval (or the expiry) happened
 */
@EventType("dev.agentplane.approval.decided")
public record ApprovalDecided(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    String tenantId,
    UUID approvalId,
    ApprovalKind kind,
    ApprovalSubject subject,
    ApprovalOutcome outcome,
    JsonNode finalArguments,
    JsonNode argumentsDiff,
    String reason,
    List<String> decidedBy,
    Instant decidedAt)
    implements PlatformEvent {

  public ApprovalDecided {
    decidedBy = List.copyOf(Objects.requireNonNull(decidedBy, "decidedBy"));
  }

  @Override
  public String aggregateId() {
    return approvalId.toString();
  }
}
