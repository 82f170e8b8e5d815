package dev.agentplane.approval.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the webhook API answers with. */
final class WebhookViews {

  private WebhookViews() {}

  /**
   * A subscription. {@code secret} is present only in the answers to create and rotate-secret: the
   * one time the subscriber sees it.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WebhookView(
      UUID id,
      String url,
      List<String> eventTypes,
      @Nullable String description,
      boolean enabled,
      @Nullable String disabledReason,
      @Nullable Instant previousSecretExpiresAt,
      Instant createdAt,
      Instant updatedAt,
      @Nullable String secret) {}

  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WebhookPage(List<WebhookView> items, @Nullable String nextCursor) {}

  /** One attempt: the receiver's status code, or the error when none came back. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record AttemptView(
      int attempt,
      Instant attemptedAt,
      @Nullable Integer statusCode,
      @Nullable String error,
      long latencyMs) {}

  /**
   * A delivery of one notice to one subscription. {@code messageId} is the {@code webhook-id}
   * header of every attempt; {@code nextAttemptAt} is set while it is pending.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record DeliveryView(
      UUID id,
      UUID webhookId,
      String messageId,
      String eventType,
      String status,
      @Nullable Instant nextAttemptAt,
      Instant createdAt,
      @Nullable Instant completedAt,
      List<AttemptView> attempts) {}

  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record DeliveryPage(List<DeliveryView> items, @Nullable String nextCursor) {}

  static WebhookView view(WebhookSubscription subscription, @Nullable String secret) {
    return new WebhookView(
        subscription.id(),
        subscription.url(),
        subscription.eventTypes(),
        subscription.description(),
        subscription.enabled(),
        subscription.disabledReason(),
        subscription.previousSecretExpiresAt() != null
                && subscription.previousSecretExpiresAt().isAfter(Instant.now())
            ? subscription.previousSecretExpiresAt()
            : null,
        subscription.createdAt(),
        subscription.updatedAt(),
        secret);
  }
}
