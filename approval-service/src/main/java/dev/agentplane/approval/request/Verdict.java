package dev.agentplane.approval.request;

import java.util.Locale;
import java.util.Optional;

/** What one approver says about a request. */
public enum Verdict {
  APPROVE,
  REJECT;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Verdict> fromWire(String value) {
    for (Verdict verdict : values()) {
      if (verdict.wireValue().equals(value)) {
        return Optional.of(verdict);
      }
    }
    return Optional.empty();
  }
}
