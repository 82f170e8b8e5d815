package dev.agentplane.execution.run;

import java.util.Locale;
import java.util.Optional;

/** Where a run stands (ARCHITECTURE.md § Runs); the last four are terminal. */
public enum RunStatus {
  QUEUED,
  RUNNING,
  WAITING_APPROVAL,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }

  /** As stored and shown: {@code waiting_approval}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<RunStatus> fromWire(String value) {
    for (RunStatus status : values()) {
      if (status.wire().equals(value)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
