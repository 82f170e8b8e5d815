package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.WebhookViews.WebhookPage;
import dev.agentplane.approval.webhook.WebhookViews.WebhookView;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.sealing.AesGcmSealer;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A tenant's webhook subscriptions: subscribe a URL to event types, change or disable it, rotate
 * its signing secret (the old one keeps signing for a while), unsubscribe.
 */
@Singleton
public class WebhookSubscriptions {

  static final int MAX_DESCRIPTION = 500;

  /** What a subscriber asks for; null fields of an update stay as they are. */
  record Changes(
      String url,
      List<String> eventTypes,
      boolean descriptionGiven,
      String description,
      Boolean enabled) {}

  private final SubscriptionRepository subscriptions;
  private final DeliveryRepository deliveries;
  private final WebhookSecrets secrets;
  private final WebhookUrlPolicy urls;
  private final WebhookSettings settings;

  WebhookSubscriptions(
      SubscriptionRepository subscriptions,
      DeliveryRepository deliveries,
      WebhookSecrets secrets,
      WebhookUrlPolicy urls,
      WebhookSettings settings) {
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
    this.secrets = secrets;
    this.urls = urls;
    this.settings = settings;
  }

  /** Subscribes; the answer carries the signing secret, which is never shown again. */
  @Transactional
  public WebhookView create(TenantPrincipal principal, Changes request) {
    List<String> types = checked(principal.tenantId(), request);
    UUID id = UUID.randomUUID();
    Instant now = now();
    String secret = secrets.mint();
    WebhookSubscription subscription =
        new WebhookSubscription(
            id,
            principal.tenantId(),
            request.url(),
            types,
            request.description(),
            request.enabled() == null || request.enabled(),
            null,
            secrets.seal(principal.tenantId(), id, secret),
            null,
            null,
            principal.subject(),
            now,
            now);
    subscriptions.insert(subscription);
    return WebhookViews.view(subscription, secret);
  }

  @ReadOnly
  public WebhookPage list(TenantPrincipal principal, String cursor, Integer limit) {
    int pageSize = PageCursor.limit(limit);
    PageCursor after = PageCursor.decode(cursor);
    List<WebhookSubscription> page =
        subscriptions.page(
            principal.tenantId(),
            after == null ? null : after.createdAt(),
            after == null ? null : after.id(),
            pageSize + 1);
    boolean more = page.size() > pageSize;
    List<WebhookSubscription> items = more ? page.subList(0, pageSize) : page;
    String next =
        more ? new PageCursor(items.getLast().createdAt(), items.getLast().id()).encode() : null;
    return new WebhookPage(items.stream().map(s -> WebhookViews.view(s, null)).toList(), next);
  }

  @ReadOnly
  public WebhookView get(TenantPrincipal principal, UUID id) {
    return WebhookViews.view(require(principal.tenantId(), id), null);
  }

  /**
   * Changes url, event types, description or enabled. Disabling stops the pending deliveries;
   * enabling clears the reason the platform disabled it for.
   */
  @Transactional
  public WebhookView update(TenantPrincipal principal, UUID id, Changes changes) {
    WebhookSubscription current =
        subscriptions.findForUpdate(principal.tenantId(), id).orElseThrow(() -> notFound(id));
    Changes merged =
        new Changes(
            changes.url() != null ? changes.url() : current.url(),
            changes.eventTypes() != null ? changes.eventTypes() : current.eventTypes(),
            true,
            changes.descriptionGiven() ? changes.description() : current.description(),
            changes.enabled() != null ? changes.enabled() : current.enabled());
    List<String> types = checked(principal.tenantId(), merged, changes.url() != null);
    boolean enabled = merged.enabled();
    WebhookSubscription updated =
        new WebhookSubscription(
            current.id(),
            current.tenantId(),
            merged.url(),
            types,
            merged.description(),
            enabled,
            enabled ? null : current.disabledReason(),
            current.secret(),
            current.previousSecret(),
            current.previousSecretExpiresAt(),
            current.createdBy(),
            current.createdAt(),
            now());
    subscriptions.update(updated);
    if (current.enabled() && !enabled) {
      deliveries.disablePending(principal.tenantId(), id);
    }
    return WebhookViews.view(updated, null);
  }

  @Transactional
  public void delete(TenantPrincipal principal, UUID id) {
    if (!subscriptions.delete(principal.tenantId(), id)) {
      throw notFound(id);
    }
  }

  /**
   * Mints a new secret; the current one keeps signing beside it (two signatures per message) for
   * {@code previousSecretValidity} (null: the configured {@code previous-secret-validity}; zero:
   * not at all). Rotating again replaces that previous secret.
   */
  @Transactional
  public WebhookView rotateSecret(
      TenantPrincipal principal, UUID id, Duration requestedPreviousSecretValidity) {
    Duration validity =
        WebhookSecrets.previousSecretValidity(
            requestedPreviousSecretValidity, settings.previousSecretValidity());
    WebhookSubscription current =
        subscriptions.findForUpdate(principal.tenantId(), id).orElseThrow(() -> notFound(id));
    String secret = secrets.mint();
    AesGcmSealer.Sealed sealed = secrets.seal(principal.tenantId(), id, secret);
    Instant now = now();
    boolean overlap = !validity.isZero();
    AesGcmSealer.Sealed previous = overlap ? current.secret() : null;
    Instant previousExpiresAt = overlap ? now.plus(validity) : null;
    subscriptions.rotateSecret(principal.tenantId(), id, sealed, previous, previousExpiresAt, now);
    WebhookSubscription rotated =
        new WebhookSubscription(
            current.id(),
            current.tenantId(),
            current.url(),
            current.eventTypes(),
            current.description(),
            current.enabled(),
            current.disabledReason(),
            sealed,
            previous,
            previousExpiresAt,
            current.createdBy(),
            current.createdAt(),
            now);
    return WebhookViews.view(rotated, secret);
  }

  /** The subscription of the tenant, or the 404 another tenant's looks like too. */
  WebhookSubscription require(String tenantId, UUID id) {
    return subscriptions.find(tenantId, id).orElseThrow(() -> notFound(id));
  }

  static NotFoundException notFound(UUID id) {
    return new NotFoundException("No webhook " + id);
  }

  private List<String> checked(String tenantId, Changes request) {
    return checked(tenantId, request, true);
  }

  /** Every rule broken, in one 422; the event types deduplicated in the order given. */
  private List<String> checked(String tenantId, Changes request, boolean checkUrl) {
    List<FieldError> errors = new ArrayList<>();
    if (checkUrl) {
      urls.refusalOf(tenantId, request.url())
          .ifPresent(reason -> errors.add(new FieldError("/url", "url_not_allowed", reason)));
    }
    Set<String> types = new LinkedHashSet<>();
    if (request.eventTypes().isEmpty()) {
      errors.add(
          new FieldError(
              "/eventTypes",
              "required",
              "eventTypes needs at least one of " + WebhookEventTypes.ALL));
    }
    for (int i = 0; i < request.eventTypes().size(); i++) {
      String type = request.eventTypes().get(i);
      if (!WebhookEventTypes.ALL.contains(type)) {
        errors.add(
            new FieldError(
                "/eventTypes/" + i,
                "unknown_event_type",
                "'" + type + "' is not an event type; known: " + WebhookEventTypes.ALL));
      }
      types.add(type);
    }
    if (request.description() != null && request.description().length() > MAX_DESCRIPTION) {
      errors.add(
          new FieldError(
              "/description",
              "too_long",
              "description is at most " + MAX_DESCRIPTION + " characters"));
    }
    if (!errors.isEmpty()) {
      throw new ValidationFailedException(
          "The webhook is not valid: " + errors.stream().map(FieldError::pointer).toList(), errors);
    }
    return List.copyOf(types);
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }
}
