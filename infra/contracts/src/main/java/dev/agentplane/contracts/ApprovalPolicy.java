package dev.agentplane.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How an approval request is decided.
 *
 * @param requiredApprovals approvals needed before the request counts as approved
 * @param approverRoles roles allowed to decide, e.g. {@code approver}, {@code admin}
 * @param excludeRequester whether the requester may not decide on their own request
 * @param expiresAt when the request decides itself, null for never
 * @param onExpiry the decision taken at {@code expiresAt}
 */
public record ApprovalPolicy(
    int requiredApprovals,
    List<String> approverRoles,
    boolean excludeRequester,
    Instant expiresAt,
    ExpiryOutcome onExpiry) {

  public ApprovalPolicy {
    approverRoles = List.copyOf(Objects.requireNonNull(approverRoles, "approverRoles"));
    // Failing safe: a request nobody decides must not end up approved unless a policy says so.
    onExpiry = onExpiry == null ? ExpiryOutcome.REJECT : onExpiry;
  }
}
