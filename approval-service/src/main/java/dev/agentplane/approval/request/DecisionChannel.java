package dev.agentplane.approval.request;

import java.util.Locale;

/** How a decision reached the service. */
public enum DecisionChannel {
  /** {@code POST /v1/approvals/{id}/decisions} with the approver's own token. */
  API,
  /** A signed inbound webhook from a chat or ticketing integration. */
  SIGNED_WEBHOOK,
  /** A one-time action link sent to the approver. */
  ACTION_LINK;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  static DecisionChannel fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
