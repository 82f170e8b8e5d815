package dev.agentplane.execution.run;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Where a run stands (ARCHITECTURE.md § Runs); the last four are terminal. */
public enum RunStatus {
  QUEUED,
  RUNNING,
  WAITING_APPROVAL,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  /**
   * The statuses a run may be resumed from (back to {@code queued}): it stopped short of an answer
   * for a reason that may have passed (a provider outage, a deadline). A success has nothing left
   * to do, and a cancel was someone's decision; a run that has not ended needs no resume.
   */
  static final Set<RunStatus> RESUMABLE =
      Collections.unmodifiableSet(EnumSet.of(FAILED, TIMED_OUT));

  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }

  public boolean resumable() {
    return RESUMABLE.contains(this);
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
