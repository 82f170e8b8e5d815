package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.request.AuditTrail.Action;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.Requester;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.problem.ValidationFailedException;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens approval requests (from {@code approvals.requested} events and from services through the
 * API) and cancels them. Each change is audited and noticed in its own transaction.
 */
@Singleton
public class ApprovalRequests {

  /** The most approvals a request may need: more is a mistake, not a policy. */
  static final int MAX_REQUIRED_APPROVALS = 10;

  private static final Logger LOG = LoggerFactory.getLogger(ApprovalRequests.class);

  /** A request as a service asks for it through {@code POST /v1/approvals}. */
  public record OpenCommand(
      ApprovalKind kind,
      ApprovalSubject subject,
      Requester requester,
      String title,
      String summary,
      JsonNode context,
      ApprovalPolicy policy,
      Duration remindAfter,
      Duration escalateAfter) {}

  private final ApprovalRepository requests;
  private final AuditTrail audit;
  private final ApprovalNotices notices;
  private final ApprovalSettings.Defaults defaults;
  private final Clock clock;

  ApprovalRequests(
      ApprovalRepository requests,
      AuditTrail audit,
      ApprovalNotices notices,
      ApprovalSettings.Defaults defaults,
      Clock clock) {
    this.requests = requests;
    this.audit = audit;
    this.notices = notices;
    this.defaults = defaults;
    this.clock = clock;
  }

  /**
   * Opens the request an event asks for, with the event's {@code approvalId} when it names one. A
   * redelivered event, or a second request for a subject that is still pending, opens nothing.
   */
  @Transactional
  public void openFromEvent(ApprovalRequested event) {
    Instant now = now();
    ApprovalRequest request =
        ApprovalRequest.open(
            event.approvalId() != null ? event.approvalId() : UUID.randomUUID(),
            event.tenantId(),
            event.kind(),
            event.subject(),
            event.requestedBy(),
            event.title(),
            event.summary(),
            event.context(),
            event.policy(),
            defaults.remindAfter(),
            defaults.escalateAfter(),
            event.eventId(),
            now);
    if (!requests.insert(request)) {
      LOG.info(
          "Approval request event {} for {} in tenant {} opens nothing: its id, its event or a"
              + " pending request for the subject exists already",
          event.eventId(),
          event.subject().key(),
          event.tenantId());
      return;
    }
    opened(request, "event", now);
  }

  /** Opens a request a service asked for through the API. */
  @Transactional
  public ApprovalView open(String tenantId, OpenCommand command) {
    Instant now = now();
    List<FieldError> errors = check(command, now);
    if (!errors.isEmpty()) {
      throw new ValidationFailedException(
          "The approval request breaks "
              + (errors.size() == 1 ? "a rule" : errors.size() + " rules")
              + ": "
              + errors.stream().map(FieldError::pointer).toList(),
          errors);
    }
    ApprovalRequest request =
        ApprovalRequest.open(
            UUID.randomUUID(),
            tenantId,
            command.kind(),
            command.subject(),
            command.requester(),
            command.title(),
            command.summary(),
            command.context(),
            command.policy(),
            command.remindAfter(),
            command.escalateAfter(),
            null,
            now);
    if (!requests.insert(request)) {
      UUID pending =
          requests
              .findPendingBySubject(tenantId, command.subject().key())
              .map(ApprovalRequest::id)
              .orElse(null);
      throw new ConflictException(
          "subject-pending",
          "A request for " + command.subject().key() + " is already pending: " + pending);
    }
    return opened(request, "api", now);
  }

  /**
   * Withdraws a pending request. Nobody is told to resume: cancelling publishes no {@code
   * approvals.decided} (a cancelled run must not continue), only the notice.
   */
  @Transactional
  public ApprovalView cancel(String tenantId, UUID approvalId, String actor, String reason) {
    Instant now = now();
    ApprovalRequest request =
        requests.lock(tenantId, approvalId).orElseThrow(() -> notFound(approvalId));
    if (!request.isPending()) {
      throw closed(request);
    }
    ApprovalRequest cancelled =
        request.cancelled(reason == null ? "cancelled by " + actor : reason, now);
    save(cancelled);
    audit.append(
        tenantId,
        approvalId,
        now,
        actor,
        Action.CANCELLED,
        AuditTrail.detail().put("reason", cancelled.reason()));
    return notices.publish(ApprovalNotice.TYPE_CANCELLED, tenantId, approvalId, now);
  }

  private ApprovalView opened(ApprovalRequest request, String source, Instant now) {
    var detail =
        AuditTrail.detail()
            .put("source", source)
            .put("kind", ApprovalRepository.wire(request.kind()))
            .put("subjectKey", request.subject().key())
            .put("requiredApprovals", request.policy().requiredApprovals());
    detail.set("approverRoles", AuditTrail.array(request.policy().approverRoles()));
    if (request.sourceEventId() != null) {
      detail.put("eventId", request.sourceEventId().toString());
    }
    audit.append(
        request.tenantId(),
        request.id(),
        now,
        request.requester().subject(),
        Action.REQUESTED,
        detail);
    return notices.publish(ApprovalNotice.TYPE_REQUESTED, request.tenantId(), request.id(), now);
  }

  private void save(ApprovalRequest changed) {
    if (!requests.update(changed)) {
      throw new IllegalStateException("Approval " + changed.id() + " changed under its row lock");
    }
  }

  /** The rules an API request must meet beyond its shape. */
  static List<FieldError> check(OpenCommand command, Instant now) {
    List<FieldError> errors = new ArrayList<>();
    ApprovalPolicy policy = command.policy();
    if (policy.requiredApprovals() < 1 || policy.requiredApprovals() > MAX_REQUIRED_APPROVALS) {
      errors.add(
          new FieldError(
              "/requiredApprovals",
              "out_of_range",
              "requiredApprovals must be between 1 and " + MAX_REQUIRED_APPROVALS));
    }
    if (policy.approverRoles().isEmpty()) {
      errors.add(
          new FieldError("/approverRoles", "empty", "approverRoles must name at least one role"));
    }
    for (int i = 0; i < policy.approverRoles().size(); i++) {
      String role = policy.approverRoles().get(i);
      if (!ApprovalSettings.KNOWN_ROLES.contains(role)) {
        errors.add(
            new FieldError(
                "/approverRoles/" + i,
                "unknown_role",
                "'" + role + "' is not a role; known: " + ApprovalSettings.KNOWN_ROLES));
      }
    }
    if (policy.expiresAt() != null && !policy.expiresAt().isAfter(now)) {
      errors.add(new FieldError("/expiresAt", "in_the_past", "expiresAt must be in the future"));
    }
    if (command.remindAfter() != null
        && (command.remindAfter().isNegative() || command.remindAfter().isZero())) {
      errors.add(
          new FieldError(
              "/remindAfter", "not_positive", "remindAfter must be a positive duration"));
    }
    if (command.escalateAfter() != null
        && (command.escalateAfter().isNegative() || command.escalateAfter().isZero())) {
      errors.add(
          new FieldError(
              "/escalateAfter", "not_positive", "escalateAfter must be a positive duration"));
    }
    return errors;
  }

  /** Ids that are not UUIDs name nothing: the same 404 as another tenant's id. */
  public static UUID idFromPath(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw notFound(null);
    }
  }

  static NotFoundException notFound(UUID approvalId) {
    return new NotFoundException("No approval request " + approvalId);
  }

  static ConflictException closed(ApprovalRequest request) {
    return new ConflictException(
        "approval-closed",
        "Approval request " + request.id() + " is already " + request.status().wireValue());
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
