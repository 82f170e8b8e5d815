package dev.agentplane.approval.webhook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.request.ApprovalNotice;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Turns each {@link ApprovalNotice} into one queued delivery per enabled subscription of its tenant
 * that asked for its type. It runs on the publisher's thread, inside the publisher's transaction,
 * and only writes rows: the deliveries commit or roll back with the change, and no receiver is ever
 * called while a decision is being made. The dispatcher is woken once the transaction commits.
 */
@Singleton
public class ApprovalNoticeFanOut implements ApplicationEventListener<ApprovalNotice> {

  private final DeliveryRepository deliveries;
  private final TransactionOperations<Connection> transactions;
  private final WebhookDispatcher dispatcher;
  private final WebhookSettings settings;

  ApprovalNoticeFanOut(
      DeliveryRepository deliveries,
      TransactionOperations<Connection> transactions,
      WebhookDispatcher dispatcher,
      WebhookSettings settings) {
    this.deliveries = deliveries;
    this.transactions = transactions;
    this.dispatcher = dispatcher;
    this.settings = settings;
  }

  /**
   * Queues the notice's deliveries in the current transaction.
   *
   * @throws IllegalStateException when published outside a transaction (deliveries would then
   *     outlive a change that rolls back), or in a transaction not scoped to the notice's tenant
   *     (row-level security would show it none of the tenant's subscriptions: nothing would be
   *     queued, silently)
   */
  @Override
  public void onApplicationEvent(ApprovalNotice notice) {
    var transaction =
        transactions
            .findTransactionStatus()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "ApprovalNotice must be published inside the transaction of its change"));
    String scopedTo = deliveries.tenantOfTransaction().orElse(null);
    if (!notice.tenantId().equals(scopedTo)) {
      throw new IllegalStateException(
          "ApprovalNotice of tenant "
              + notice.tenantId()
              + " must be published in a transaction scoped to that tenant (TenantScope), not to "
              + (scopedTo == null ? "no tenant" : "tenant " + scopedTo));
    }
    int queued =
        deliveries.fanOut(
            notice.tenantId(),
            notice.type(),
            notice.noticeId().toString(),
            body(notice),
            settings.maxAttempts(),
            Instant.now().truncatedTo(ChronoUnit.MICROS));
    if (queued > 0) {
      transaction.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              dispatcher.wakeUp();
            }
          });
    }
  }

  /** The payload every subscriber gets: {@code {"type", "timestamp", "data"}}. */
  static String body(ApprovalNotice notice) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("type", notice.type());
    body.put("timestamp", notice.occurredAt().toString());
    body.set("data", notice.data());
    return body.toString();
  }
}
