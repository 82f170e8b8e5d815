package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One approver's recorded decision on a request; each approver has at most one per request. */
public record ApprovalDecision(
    UUID approvalId,
    String tenantId,
    String approver,
    List<String> approverRoles,
    Verdict decision,
    String reason,
    JsonNode editedArguments,
    JsonNode argumentsDiff,
    DecisionChannel channel,
    Instant decidedAt) {

  public ApprovalDecision {
    approverRoles = List.copyOf(approverRoles);
  }

  public boolean approves() {
    return decision == Verdict.APPROVE;
  }
}
