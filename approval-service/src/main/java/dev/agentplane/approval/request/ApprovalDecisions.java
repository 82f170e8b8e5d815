package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.request.AuditTrail.Action;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.kit.outbox.Outbox;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.problem.ValidationFailedException;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Records approvers' decisions and closes requests: a reject decides at once, the Nth approve
 * decides approved. Independent of how the approver was authenticated (API token, signed webhook,
 * action link): callers pass an {@link Approver}.
 *
 * <p>Every decision locks the request row first, so deciders racing on the last slot are
 * serialized: exactly one closes the request and exactly one {@code ApprovalDecided} is written to
 * the outbox; the others find it closed (409).
 */
@Singleton
public class ApprovalDecisions {

  /** The longest reason kept; reasons go back to models and into notifications. */
  static final int MAX_REASON = 2000;

  private final ApprovalRepository requests;
  private final AuditTrail audit;
  private final ApprovalNotices notices;
  private final Outbox outbox;
  private final Clock clock;

  ApprovalDecisions(
      ApprovalRepository requests,
      AuditTrail audit,
      ApprovalNotices notices,
      Outbox outbox,
      Clock clock) {
    this.requests = requests;
    this.audit = audit;
    this.notices = notices;
    this.outbox = outbox;
    this.clock = clock;
  }

  /**
   * Records {@code approver}'s decision on the request and, when it settles the request, closes it
   * and publishes {@code ApprovalDecided}.
   *
   * @return the request after the decision
   * @throws dev.agentplane.kit.problem.NotFoundException no such request in the tenant
   * @throws ForbiddenException {@code not-an-approver} (none of the request's approver roles) or
   *     {@code requester-cannot-decide}
   * @throws ConflictException {@code approval-closed}, {@code approval-expired} or {@code
   *     already-decided} (this approver decided before)
   * @throws ValidationFailedException a reject without reason, edits that are not allowed or do not
   *     fit the tool's input schema
   */
  @Transactional
  public ApprovalView decide(
      String tenantId, UUID approvalId, Approver approver, DecisionCommand command) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    ApprovalRequest request =
        requests
            .lock(tenantId, approvalId)
            .orElseThrow(() -> ApprovalRequests.notFound(approvalId));
    if (Collections.disjoint(approver.roles(), request.policy().approverRoles())) {
      throw new ForbiddenException(
          "not-an-approver",
          "Deciding on this request needs one of the roles " + request.policy().approverRoles());
    }
    if (request.policy().excludeRequester()
        && approver.subject().equals(request.requester().subject())) {
      throw new ForbiddenException(
          "requester-cannot-decide",
          "The requester " + approver.subject() + " may not decide on their own request");
    }
    if (!request.isPending()) {
      throw ApprovalRequests.closed(request);
    }
    if (request.isOverdue(now)) {
      throw new ConflictException(
          "approval-expired",
          "Approval request "
              + approvalId
              + " expired at "
              + request.policy().expiresAt()
              + "; it decides by itself ("
              + ApprovalRepository.wire(request.policy().onExpiry())
              + ")");
    }
    List<ApprovalDecision> decisions = new ArrayList<>(requests.decisions(tenantId, approvalId));
    if (decisions.stream().anyMatch(d -> d.approver().equals(approver.subject()))) {
      throw alreadyDecided(approver);
    }
    JsonNode diff = checked(request, command);
    ApprovalDecision decision =
        new ApprovalDecision(
            approvalId,
            tenantId,
            approver.subject(),
            approver.roles().stream().sorted().toList(),
            command.decision(),
            blankToNull(command.reason()),
            command.editedArguments(),
            diff,
            approver.channel(),
            now);
    if (!requests.insertDecision(decision)) {
      throw alreadyDecided(approver);
    }
    var recorded =
        AuditTrail.detail()
            .put("decision", decision.decision().wireValue())
            .put("channel", decision.channel().wireValue())
            .put("reason", decision.reason());
    if (diff != null) {
      recorded.set("argumentsDiff", diff);
    }
    audit.append(tenantId, approvalId, now, approver.subject(), Action.DECISION_RECORDED, recorded);
    decisions.add(decision);

    Optional<ApprovalRequest> settled = request.tally(decisions, now);
    if (settled.isEmpty()) {
      return ApprovalView.of(request, decisions);
    }
    ApprovalRequest decided = settled.get();
    if (!requests.update(decided)) {
      throw new IllegalStateException("Approval " + approvalId + " changed under its row lock");
    }
    List<String> decidedBy =
        decided.outcome() == dev.agentplane.contracts.ApprovalOutcome.REJECTED
            ? List.of(approver.subject())
            : decisions.stream()
                .filter(ApprovalDecision::approves)
                .map(ApprovalDecision::approver)
                .toList();
    var detail =
        AuditTrail.detail()
            .put("outcome", ApprovalRepository.wire(decided.outcome()))
            .put("reason", decided.reason());
    detail.set("decidedBy", AuditTrail.array(decidedBy));
    audit.append(tenantId, approvalId, now, approver.subject(), Action.DECIDED, detail);
    outbox.enqueue(decided.decidedEvent(decidedBy));
    return notices.publish(ApprovalNotice.TYPE_DECIDED, tenantId, approvalId, now);
  }

  /** Checks the command against the request; the RFC 6902 diff of the edit, if any. */
  private static JsonNode checked(ApprovalRequest request, DecisionCommand command) {
    List<FieldError> errors = new ArrayList<>();
    String reason = blankToNull(command.reason());
    if (command.decision() == Verdict.REJECT && reason == null) {
      errors.add(
          new FieldError(
              "/reason",
              "required",
              "a rejection needs a reason (it goes back to whoever asked, e.g. the model)"));
    }
    if (reason != null && reason.length() > MAX_REASON) {
      errors.add(
          new FieldError(
              "/reason", "too_long", "reason is longer than " + MAX_REASON + " characters"));
    }
    JsonNode edited = command.editedArguments();
    if (edited != null) {
      if (command.decision() != Verdict.APPROVE) {
        errors.add(
            new FieldError(
                "/editedArguments", "not_allowed", "only an approval may edit the arguments"));
      } else if (request.kind() != ApprovalKind.TOOL_CALL) {
        errors.add(
            new FieldError(
                "/editedArguments",
                "not_allowed",
                "only tool_call requests have arguments to edit; this one is "
                    + ApprovalRepository.wire(request.kind())));
      } else {
        errors.addAll(ArgumentEdits.check(edited, request.context().get("inputSchema")));
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationFailedException(
          "The decision is not valid: " + errors.stream().map(FieldError::pointer).toList(),
          errors);
    }
    return edited == null ? null : ApprovalRequest.diff(request.requestedArguments(), edited);
  }

  private static ConflictException alreadyDecided(Approver approver) {
    return new ConflictException(
        "already-decided", approver.subject() + " has already decided on this request");
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }
}
