package dev.agentplane.approval.request;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an approval request is: {@code pending} until an outcome, then one terminal status. All
 * transitions leave {@code pending}; nothing leaves a terminal status.
 */
public enum ApprovalStatus {
  PENDING,
  APPROVED,
  REJECTED,
  EXPIRED,
  CANCELLED;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isTerminal() {
    return this != PENDING;
  }

  public boolean canMoveTo(ApprovalStatus next) {
    return this == PENDING && next != PENDING;
  }

  public static Optional<ApprovalStatus> fromWire(String value) {
    for (ApprovalStatus status : values()) {
      if (status.wireValue().equals(value)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
