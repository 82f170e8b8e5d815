package dev.agentplane.approval.request;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalSubject;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * An approval request as {@code GET /v1/approvals/{id}} shows it (and as notices carry it): what is
 * asked, the policy (with escalated roles), every decision, and the outcome.
 *
 * @param approvals how many approvers approved so far
 * @param decisions every decision in the order made; omitted in inbox pages
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApprovalView(
    UUID id,
    String kind,
    SubjectView subject,
    String subjectKey,
    RequesterView requestedBy,
    String title,
    String summary,
    JsonNode context,
    PolicyView policy,
    String status,
    String outcome,
    String reason,
    int approvals,
    List<DecisionView> decisions,
    JsonNode finalArguments,
    JsonNode argumentsDiff,
    Instant createdAt,
    Instant decidedAt,
    Instant remindedAt,
    Instant escalatedAt) {

  /** What the request gates; the fields of the other kinds are omitted. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SubjectView(
      UUID runId,
      String toolCallId,
      String resourceKind,
      UUID resourceId,
      Integer version,
      String reference) {

    static SubjectView of(ApprovalSubject subject) {
      return new SubjectView(
          subject.runId(),
          subject.toolCallId(),
          subject.resourceKind() == null
              ? null
              : subject.resourceKind().name().toLowerCase(Locale.ROOT),
          subject.resourceId(),
          subject.version(),
          subject.reference());
    }
  }

  @Serdeable
  public record RequesterView(String subject, List<String> roles, String principalType) {}

  /**
   * How the request is decided.
   *
   * @param remindAfter ISO-8601 duration after creation when approvers are reminded, or omitted
   * @param escalateAfter ISO-8601 duration after creation when the request escalates, or omitted
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PolicyView(
      int requiredApprovals,
      List<String> approverRoles,
      boolean excludeRequester,
      Instant expiresAt,
      String onExpiry,
      String remindAfter,
      String escalateAfter) {}

  /** One approver's decision. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DecisionView(
      String approver,
      String decision,
      String reason,
      JsonNode editedArguments,
      JsonNode argumentsDiff,
      String channel,
      Instant decidedAt) {}

  /** The whole view, with every decision. */
  static ApprovalView of(ApprovalRequest request, List<ApprovalDecision> decisions) {
    return of(
        request,
        (int) decisions.stream().filter(ApprovalDecision::approves).count(),
        decisions.stream()
            .map(
                d ->
                    new DecisionView(
                        d.approver(),
                        d.decision().wireValue(),
                        d.reason(),
                        d.editedArguments(),
                        d.argumentsDiff(),
                        d.channel().wireValue(),
                        d.decidedAt()))
            .toList());
  }

  /** The inbox view: the count of approvals, not the decisions. */
  static ApprovalView summary(ApprovalRequest request, int approvals) {
    return of(request, approvals, null);
  }

  private static ApprovalView of(
      ApprovalRequest request, int approvals, List<DecisionView> decisions) {
    var policy = request.policy();
    var sla = request.sla();
    return new ApprovalView(
        request.id(),
        ApprovalRepository.wire(request.kind()),
        SubjectView.of(request.subject()),
        request.subject().key(),
        new RequesterView(
            request.requester().subject(),
            request.requester().roles(),
            ApprovalRepository.wire(request.requester().principalType())),
        request.title(),
        request.summary(),
        request.context(),
        new PolicyView(
            policy.requiredApprovals(),
            policy.approverRoles(),
            policy.excludeRequester(),
            policy.expiresAt(),
            ApprovalRepository.wire(policy.onExpiry()),
            sla.remindAfter() == null ? null : sla.remindAfter().toString(),
            sla.escalateAfter() == null ? null : sla.escalateAfter().toString()),
        request.status().wireValue(),
        request.outcome() == null ? null : ApprovalRepository.wire(request.outcome()),
        request.reason(),
        approvals,
        decisions,
        request.finalArguments(),
        request.argumentsDiff(),
        request.createdAt(),
        request.decidedAt(),
        sla.remindedAt(),
        sla.escalatedAt());
  }

  /** One inbox page, newest first, with the link to the next page when there is one. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ApprovalPage(List<ApprovalView> items, String next) {}

  /** The audit trail of one request, oldest first. */
  @Serdeable
  public record AuditView(UUID approvalId, List<AuditEntryView> entries) {}

  @Serdeable
  public record AuditEntryView(long id, Instant at, String actor, String action, JsonNode detail) {}
}
