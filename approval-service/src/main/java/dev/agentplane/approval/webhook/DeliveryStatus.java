package dev.agentplane.approval.webhook;

import java.util.Locale;

/**
 * Where a delivery stands. {@code PENDING} waits for its next attempt; the others are final until
 * someone asks for a redelivery.
 */
enum DeliveryStatus {
  /** Queued or waiting for a retry. */
  PENDING,
  /** A receiver answered 2xx. */
  SUCCEEDED,
  /** Every attempt failed. */
  FAILED,
  /** The subscription was disabled (by an admin, or by the receiver's 410 Gone) before it went. */
  DISABLED;

  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  static DeliveryStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
