package dev.agentplane.execution.gate;

import java.util.Locale;

/** Where a gated tool call stands. */
public enum GateStatus {
  /** The approval request is open; the call is not made. */
  WAITING,
  /** Approved, possibly with edited arguments: the call is made with the final arguments. */
  APPROVED,
  /** Rejected: the reason goes back to the model as the call's result. */
  REJECTED,
  /** The request expired and its expiry outcome was to reject. */
  EXPIRED,
  /** The run ended while waiting; the request is withdrawn. */
  CANCELLED;

  /** As stored. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  static GateStatus fromWire(String stored) {
    return valueOf(stored.toUpperCase(Locale.ROOT));
  }
}
