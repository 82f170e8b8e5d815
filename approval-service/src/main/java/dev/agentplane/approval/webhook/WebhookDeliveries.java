package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.WebhookViews.DeliveryPage;
import dev.agentplane.approval.webhook.WebhookViews.DeliveryView;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.annotation.ReadOnly;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;

/** A subscription's delivery log, and manual redelivery. */
@Singleton
public class WebhookDeliveries {

  private final WebhookSubscriptions subscriptions;
  private final DeliveryRepository deliveries;
  private final TransactionOperations<Connection> transactions;
  private final WebhookDispatcher dispatcher;

  WebhookDeliveries(
      WebhookSubscriptions subscriptions,
      DeliveryRepository deliveries,
      TransactionOperations<Connection> transactions,
      WebhookDispatcher dispatcher) {
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
    this.transactions = transactions;
    this.dispatcher = dispatcher;
  }

  /** Newest first, each with its attempts. */
  @ReadOnly
  public DeliveryPage list(
      TenantPrincipal principal, UUID webhookId, String cursor, Integer limit) {
    subscriptions.require(principal.tenantId(), webhookId);
    int pageSize = PageCursor.limit(limit);
    List<DeliveryView> page =
        deliveries.page(principal.tenantId(), webhookId, PageCursor.decode(cursor), pageSize + 1);
    boolean more = page.size() > pageSize;
    List<DeliveryView> items = more ? page.subList(0, pageSize) : page;
    String next =
        more ? new PageCursor(items.getLast().createdAt(), items.getLast().id()).encode() : null;
    return new DeliveryPage(items, next);
  }

  @ReadOnly
  public DeliveryView get(TenantPrincipal principal, UUID webhookId, UUID deliveryId) {
    subscriptions.require(principal.tenantId(), webhookId);
    return deliveries
        .find(principal.tenantId(), webhookId, deliveryId)
        .orElseThrow(() -> notFound(deliveryId));
  }

  /**
   * Queues an attempt now, whatever the delivery's status (a finished one gets exactly one more
   * attempt). A disabled subscription sends nothing, so asking is a conflict.
   */
  @Transactional
  public DeliveryView redeliver(TenantPrincipal principal, UUID webhookId, UUID deliveryId) {
    WebhookSubscription subscription = subscriptions.require(principal.tenantId(), webhookId);
    if (!subscription.enabled()) {
      throw new ConflictException(
          "Webhook " + webhookId + " is disabled; enable it before asking for a redelivery");
    }
    if (!deliveries.redeliver(principal.tenantId(), webhookId, deliveryId)) {
      throw notFound(deliveryId);
    }
    transactions
        .findTransactionStatus()
        .ifPresent(
            status ->
                status.registerSynchronization(
                    new TransactionSynchronization() {
                      @Override
                      public void afterCommit() {
                        dispatcher.wakeUp();
                      }
                    }));
    return deliveries
        .find(principal.tenantId(), webhookId, deliveryId)
        .orElseThrow(() -> notFound(deliveryId));
  }

  private static NotFoundException notFound(UUID deliveryId) {
    return new NotFoundException("No delivery " + deliveryId);
  }
}
