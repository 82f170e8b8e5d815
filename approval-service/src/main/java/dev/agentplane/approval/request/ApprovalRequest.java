package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.flipkart.zjsonpatch.JsonDiff;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.Requester;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An approval request and its state machine: every change returns a new request (and, where the
 * platform must hear of it, the event it causes); the services persist both in one transaction.
 *
 * @param policy how it is decided; {@code approverRoles} widen when the request escalates
 * @param outcome what {@code approvals.decided} said (null while pending); an expiry with {@code
 *     onExpiry=approve} has status {@code expired} and outcome {@code APPROVED}
 * @param version bumped on every write, for the optimistic check under the row lock
 */
public record ApprovalRequest(
    UUID id,
    String tenantId,
    ApprovalKind kind,
    ApprovalSubject subject,
    Requester requester,
    String title,
    String summary,
    JsonNode context,
    ApprovalPolicy policy,
    Sla sla,
    ApprovalStatus status,
    Instant createdAt,
    Instant decidedAt,
    ApprovalOutcome outcome,
    String reason,
    JsonNode finalArguments,
    JsonNode argumentsDiff,
    UUID sourceEventId,
    int version) {

  /** The reason an expiry that approves gives (ARCHITECTURE: a default outcome on expiry). */
  public static final String APPROVED_ON_EXPIRY = "approved on expiry";

  public static final String EXPIRED_UNDECIDED = "expired undecided";

  /**
   * Reminder and escalation deadlines.
   *
   * @param remindAt when the reminder falls due ({@code createdAt + remindAfter}), null for none
   * @param escalateAt when escalation falls due, null for none
   */
  public record Sla(
      Duration remindAfter,
      Duration escalateAfter,
      Instant remindAt,
      Instant escalateAt,
      Instant remindedAt,
      Instant escalatedAt) {

    static Sla starting(Instant createdAt, Duration remindAfter, Duration escalateAfter) {
      return new Sla(
          remindAfter,
          escalateAfter,
          remindAfter == null ? null : createdAt.plus(remindAfter),
          escalateAfter == null ? null : createdAt.plus(escalateAfter),
          null,
          null);
    }
  }

  /** A new pending request. */
  public static ApprovalRequest open(
      UUID id,
      String tenantId,
      ApprovalKind kind,
      ApprovalSubject subject,
      Requester requester,
      String title,
      String summary,
      JsonNode context,
      ApprovalPolicy policy,
      Duration remindAfter,
      Duration escalateAfter,
      UUID sourceEventId,
      Instant now) {
    return new ApprovalRequest(
        id,
        tenantId,
        kind,
        subject,
        requester,
        title,
        summary,
        context,
        policy,
        Sla.starting(now, remindAfter, escalateAfter),
        ApprovalStatus.PENDING,
        now,
        null,
        null,
        null,
        null,
        null,
        sourceEventId,
        1);
  }

  public boolean isPending() {
    return status == ApprovalStatus.PENDING;
  }

  /** Whether its deadline passed (the sweep may not have expired it yet). */
  public boolean isOverdue(Instant now) {
    return policy.expiresAt() != null && !now.isBefore(policy.expiresAt());
  }

  /** The arguments the tool call asked for; null when not a tool call or none were given. */
  public JsonNode requestedArguments() {
    JsonNode arguments = context.get("arguments");
    return kind == ApprovalKind.TOOL_CALL && arguments != null && !arguments.isNull()
        ? arguments
        : null;
  }

  /**
   * What the decisions so far amount to: a reject decides at once; the {@code requiredApprovals}th
   * approve decides approved, with the last approving edit as the final arguments. Empty while more
   * approvals are needed.
   */
  public Optional<ApprovalRequest> tally(List<ApprovalDecision> decisions, Instant now) {
    requirePending();
    for (ApprovalDecision decision : decisions) {
      if (!decision.approves()) {
        return Optional.of(
            closed(
                ApprovalStatus.REJECTED,
                ApprovalOutcome.REJECTED,
                decision.reason(),
                null,
                null,
                now));
      }
    }
    List<ApprovalDecision> approvals =
        decisions.stream().filter(ApprovalDecision::approves).toList();
    if (approvals.size() < policy.requiredApprovals()) {
      return Optional.empty();
    }
    JsonNode original = requestedArguments();
    JsonNode lastEdit =
        approvals.reversed().stream()
            .map(ApprovalDecision::editedArguments)
            .filter(edit -> edit != null)
            .findFirst()
            .orElse(null);
    JsonNode finalArguments = lastEdit != null ? lastEdit : original;
    JsonNode diff = lastEdit == null ? null : diff(original, lastEdit);
    String reason = approvals.getLast().reason();
    return Optional.of(
        closed(
            ApprovalStatus.APPROVED, ApprovalOutcome.APPROVED, reason, finalArguments, diff, now));
  }

  /** Expired undecided: approved or not as {@code onExpiry} says. */
  public ApprovalRequest expired(Instant now) {
    requirePending();
    boolean approve = policy.onExpiry() == ExpiryOutcome.APPROVE;
    return closed(
        ApprovalStatus.EXPIRED,
        approve ? ApprovalOutcome.APPROVED : ApprovalOutcome.EXPIRED,
        approve ? APPROVED_ON_EXPIRY : EXPIRED_UNDECIDED,
        approve ? requestedArguments() : null,
        null,
        now);
  }

  /** Withdrawn by the service that asked: nobody resumes on it. */
  public ApprovalRequest cancelled(String why, Instant now) {
    requirePending();
    return closed(ApprovalStatus.CANCELLED, ApprovalOutcome.CANCELLED, why, null, null, now);
  }

  public ApprovalRequest reminded(Instant now) {
    requirePending();
    return withSla(
        new Sla(
            sla.remindAfter(),
            sla.escalateAfter(),
            sla.remindAt(),
            sla.escalateAt(),
            now,
            sla.escalatedAt()));
  }

  /** Escalated: {@code extraRoles} may decide from now on, besides the roles already allowed. */
  public ApprovalRequest escalated(List<String> extraRoles, Instant now) {
    requirePending();
    LinkedHashSet<String> roles = new LinkedHashSet<>(policy.approverRoles());
    roles.addAll(extraRoles);
    ApprovalPolicy widened =
        new ApprovalPolicy(
            policy.requiredApprovals(),
            new ArrayList<>(roles),
            policy.excludeRequester(),
            policy.expiresAt(),
            policy.onExpiry());
    return new ApprovalRequest(
        id,
        tenantId,
        kind,
        subject,
        requester,
        title,
        summary,
        context,
        widened,
        new Sla(
            sla.remindAfter(),
            sla.escalateAfter(),
            sla.remindAt(),
            sla.escalateAt(),
            sla.remindedAt(),
            now),
        status,
        createdAt,
        decidedAt,
        outcome,
        reason,
        finalArguments,
        argumentsDiff,
        sourceEventId,
        version);
  }

  /** The event a decided (or expired) request publishes; cancelled requests publish none. */
  public ApprovalDecided decidedEvent(List<String> decidedBy) {
    if (outcome == null || outcome == ApprovalOutcome.CANCELLED) {
      throw new IllegalStateException("Request " + id + " has no decision to publish");
    }
    return new ApprovalDecided(
        UUID.randomUUID(),
        decidedAt,
        1,
        tenantId,
        id,
        kind,
        subject,
        outcome,
        finalArguments,
        argumentsDiff,
        reason,
        decidedBy,
        decidedAt);
  }

  static JsonNode diff(JsonNode before, JsonNode after) {
    return JsonDiff.asJson(
        before == null
            ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            : before,
        after);
  }

  private ApprovalRequest closed(
      ApprovalStatus next,
      ApprovalOutcome how,
      String why,
      JsonNode arguments,
      JsonNode diff,
      Instant now) {
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException(
          "Request " + id + " cannot move from " + status + " to " + next);
    }
    return new ApprovalRequest(
        id,
        tenantId,
        kind,
        subject,
        requester,
        title,
        summary,
        context,
        policy,
        sla,
        next,
        createdAt,
        now,
        how,
        why,
        arguments,
        diff,
        sourceEventId,
        version);
  }

  private ApprovalRequest withSla(Sla changed) {
    return new ApprovalRequest(
        id,
        tenantId,
        kind,
        subject,
        requester,
        title,
        summary,
        context,
        policy,
        changed,
        status,
        createdAt,
        decidedAt,
        outcome,
        reason,
        finalArguments,
        argumentsDiff,
        sourceEventId,
        version);
  }

  private void requirePending() {
    if (!isPending()) {
      throw new IllegalStateException("Request " + id + " is " + status.wireValue());
    }
  }
}
