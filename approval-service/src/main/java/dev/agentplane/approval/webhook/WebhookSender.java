package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.DeliveryClaims.ClaimedDelivery;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.PinnedHttpClients;
import dev.agentplane.kit.outbound.RefusedTargetException;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one attempt of a claimed delivery: re-checks the URL against the SSRF guard (DNS may have
 * changed since it was subscribed) and connects to the address judged then ({@link
 * PinnedHttpClients}: the URL's name still in {@code Host} and TLS), signs with the current secret
 * (and the previous one during a rotation), POSTs, and settles the outcome: 2xx succeeds; 410 Gone
 * disables the subscription and its pending deliveries; anything else is retried with full-jitter
 * backoff until the attempts run out.
 *
 * <p>The JDK {@code HttpClient}, not Micronaut's: receivers are arbitrary hosts of many tenants, so
 * no per-host connection pool configuration, no client filters (correlation headers, tokens) meant
 * for the platform's own services, redirects never followed (a redirect could lead past the SSRF
 * guard; a 3xx is a failed attempt), and a deadline on the whole exchange. Errors recorded in the
 * delivery log name the receiver by its URL's host, never by the address connected to.
 */
@Singleton
class WebhookSender {

  static final String USER_AGENT = "AgentPlane-Webhooks/1";
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  private static final int MAX_ERROR_LENGTH = 500;

  private final SubscriptionRepository subscriptions;
  private final DeliveryRepository deliveries;
  private final WebhookSecrets secrets;
  private final WebhookUrlPolicy urls;
  private final WebhookSettings settings;
  private final TransactionOperations<Connection> transactions;
  private final PinnedHttpClients clients;

  WebhookSender(
      SubscriptionRepository subscriptions,
      DeliveryRepository deliveries,
      WebhookSecrets secrets,
      WebhookUrlPolicy urls,
      WebhookSettings settings,
      TransactionOperations<Connection> transactions) {
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
    this.secrets = secrets;
    this.urls = urls;
    this.settings = settings;
    this.transactions = transactions;
    this.clients = new PinnedHttpClients(settings.connectTimeout());
  }

  @PreDestroy
  void close() {
    clients.close();
  }

  /** What one attempt came to. */
  private record Outcome(Integer statusCode, String error, long latencyMillis) {
    boolean succeeded() {
      return statusCode != null && statusCode >= 200 && statusCode < 300;
    }

    boolean gone() {
      return statusCode != null && statusCode == 410;
    }
  }

  /**
   * Makes the claimed attempt and records it, in the delivery's tenant (it was claimed across
   * tenants; what it reads and writes now is that tenant's only); never throws for a receiver's
   * failure.
   */
  void attempt(ClaimedDelivery delivery) {
    TenantScope.run(delivery.tenantId(), () -> attemptInTenant(delivery));
  }

  private void attemptInTenant(ClaimedDelivery delivery) {
    Instant startedAt = Instant.now();
    WebhookSubscription subscription =
        transactions
            .executeRead(
                status -> subscriptions.find(delivery.tenantId(), delivery.subscriptionId()))
            .orElse(null);
    if (subscription == null) {
      return; // deleted meanwhile, and its deliveries with it
    }
    if (!subscription.enabled()) {
      // Disabled after this delivery was queued (a fan-out racing a disable): nothing is sent, as
      // for the deliveries the disable stopped.
      transactions.executeWrite(
          status -> {
            deliveries.settle(
                delivery.tenantId(),
                delivery.id(),
                delivery.attempt(),
                DeliveryStatus.DISABLED,
                null);
            return null;
          });
      return;
    }
    Outcome outcome;
    try {
      outcome = send(delivery, subscription, startedAt);
    } catch (RuntimeException e) {
      // Ours, not the receiver's (e.g. a secret sealed under a key no longer configured): logged
      // as a failed attempt so the delivery log says why, and retried like any other failure.
      LOG.warn("Webhook delivery {} could not be sent", delivery.id(), e);
      outcome = new Outcome(null, "not sent: " + describe(e), 0);
    }
    Outcome result = outcome;
    transactions.executeWrite(
        status -> {
          settle(delivery, subscription, startedAt, result);
          return null;
        });
  }

  private Outcome send(
      ClaimedDelivery delivery, WebhookSubscription subscription, Instant startedAt) {
    long started = System.nanoTime();
    URI url = URI.create(subscription.url());
    OutboundTarget pinned;
    try {
      pinned = urls.target(delivery.tenantId(), url);
    } catch (RefusedTargetException e) {
      String reason =
          e.reason() == RefusedTargetException.Reason.UNRESOLVED
              ? e.getMessage()
              : "refused: " + e.getMessage();
      return new Outcome(null, reason, millisSince(started));
    }
    byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = startedAt.getEpochSecond();
    List<String> signingSecrets = new ArrayList<>(2);
    signingSecrets.add(
        secrets.open(subscription.tenantId(), subscription.id(), subscription.secret()));
    if (subscription.previousSecretValidAt(startedAt)) {
      signingSecrets.add(
          secrets.open(subscription.tenantId(), subscription.id(), subscription.previousSecret()));
    }
    HttpRequest request =
        clients
            .newRequest(pinned)
            .timeout(settings.readTimeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", USER_AGENT)
            .header(StandardWebhooks.ID_HEADER, delivery.messageId())
            .header(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp))
            .header(
                StandardWebhooks.SIGNATURE_HEADER,
                StandardWebhooks.signatureHeader(
                    signingSecrets, delivery.messageId(), timestamp, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    // The request timeout stops at the response headers; the deadline here also bounds the body
    // (read and thrown away, so the connection can be reused).
    CompletableFuture<HttpResponse<Void>> exchange =
        clients.clientFor(pinned).sendAsync(request, HttpResponse.BodyHandlers.discarding());
    try {
      HttpResponse<Void> response =
          exchange.get(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return new Outcome(response.statusCode(), null, millisSince(started));
    } catch (TimeoutException e) {
      exchange.cancel(true);
      return new Outcome(
          null,
          "timed out after " + settings.readTimeout().toMillis() + " ms",
          millisSince(started));
    } catch (ExecutionException e) {
      return new Outcome(null, pinned.redact(describe(e.getCause())), millisSince(started));
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      return new Outcome(null, "interrupted (the dispatcher is stopping)", millisSince(started));
    }
  }

  private void settle(
      ClaimedDelivery delivery,
      WebhookSubscription subscription,
      Instant startedAt,
      Outcome outcome) {
    deliveries.recordAttempt(
        delivery.tenantId(),
        delivery.id(),
        delivery.attempt(),
        startedAt,
        outcome.statusCode(),
        outcome.error(),
        outcome.latencyMillis());
    if (outcome.succeeded()) {
      deliveries.settle(
          delivery.tenantId(), delivery.id(), delivery.attempt(), DeliveryStatus.SUCCEEDED, null);
    } else if (outcome.gone()) {
      // Standard Webhooks: 410 Gone means the receiver wants no more; stop sending altogether.
      LOG.info(
          "Webhook {} of tenant {} answered 410 Gone: disabling it",
          subscription.id(),
          subscription.tenantId());
      subscriptions.disable(
          subscription.tenantId(),
          subscription.id(),
          "the receiver answered 410 Gone at " + startedAt,
          Instant.now());
      deliveries.settle(
          delivery.tenantId(), delivery.id(), delivery.attempt(), DeliveryStatus.DISABLED, null);
      deliveries.disablePending(subscription.tenantId(), subscription.id());
    } else if (delivery.attempt() >= delivery.attemptLimit()) {
      deliveries.settle(
          delivery.tenantId(), delivery.id(), delivery.attempt(), DeliveryStatus.FAILED, null);
    } else {
      deliveries.settle(
          delivery.tenantId(),
          delivery.id(),
          delivery.attempt(),
          DeliveryStatus.PENDING,
          backoff(delivery.attempt()));
    }
  }

  /**
   * Full jitter (the wait is uniform between zero and the schedule's entry for this retry), so
   * receivers recovering from an outage are not hit by every queued delivery at once.
   */
  Duration backoff(int failedAttempt) {
    List<Duration> schedule = settings.retrySchedule();
    Duration ceiling = schedule.get(Math.min(failedAttempt, schedule.size()) - 1);
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling.toMillis() + 1));
  }

  private static String describe(Throwable cause) {
    String text =
        cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    return text.length() > MAX_ERROR_LENGTH ? text.substring(0, MAX_ERROR_LENGTH) : text;
  }

  private static long millisSince(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
