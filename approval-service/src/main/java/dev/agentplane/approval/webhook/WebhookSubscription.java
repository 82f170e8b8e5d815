package dev.agentplane.approval.webhook;

import dev.agentplane.kit.sealing.AesGcmSealer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's subscription of a URL to some approval event types, with its sealed signing secret
 * (and, for a while after a rotation, the previous one).
 */
record WebhookSubscription(
    UUID id,
    String tenantId,
    String url,
    List<String> eventTypes,
    String description,
    boolean enabled,
    String disabledReason,
    AesGcmSealer.Sealed secret,
    AesGcmSealer.Sealed previousSecret,
    Instant previousSecretExpiresAt,
    String createdBy,
    Instant createdAt,
    Instant updatedAt) {

  WebhookSubscription {
    eventTypes = List.copyOf(eventTypes);
  }

  /** Whether the previous secret still signs at {@code now}. */
  boolean previousSecretValidAt(Instant now) {
    return previousSecret != null
        && previousSecretExpiresAt != null
        && previousSecretExpiresAt.isAfter(now);
  }
}
