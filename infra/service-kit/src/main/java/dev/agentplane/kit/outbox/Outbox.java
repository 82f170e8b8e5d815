package dev.agentplane.kit.outbox;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.correlation.Correlation;
import io.cloudevents.CloudEvent;
import io.micronaut.runtime.ApplicationConfiguration;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.net.URI;
import java.sql.Connection;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * Where a service announces a state change: the event is written in the caller's transaction, so it
 * is published if and only if the change commits, and never before.
 */
@Singleton
public final class Outbox {

  private final OutboxRepository repository;
  private final TransactionOperations<Connection> transactions;
  private final OutboxRelay relay;
  private final URI source;

  Outbox(
      OutboxRepository repository,
      TransactionOperations<Connection> transactions,
      OutboxRelay relay,
      ApplicationConfiguration application) {
    this.repository = repository;
    this.transactions = transactions;
    this.relay = relay;
    this.source = URI.create("/agentplane/" + application.getName().orElse("unnamed-service"));
  }

  /**
   * Adds a platform event to its topic, keyed by its aggregate, with this service as the source.
   * Must run inside the transaction that makes the change it announces.
   *
   * @return the CloudEvent as it will be published, for callers that keep a copy of its data
   */
  public CloudEvent enqueue(PlatformEvent event) {
    CloudEvent wrapped = EventEnvelope.wrap(event, source, event.aggregateId());
    enqueue(Topics.of(event), event.aggregateId(), wrapped);
    return wrapped;
  }

  /**
   * Adds an event for {@code topic}, keyed by {@code key} (the aggregate id, so one aggregate's
   * events stay in order). Must run inside the transaction that makes the change it announces.
   *
   * @throws IllegalStateException when called outside a transaction, or the event names no tenant
   */
  public void enqueue(String topic, String key, CloudEvent event) {
    var transaction =
        transactions
            .findTransactionStatus()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Outbox.enqueue must run inside the transaction of the change it announces"));
    Object tenant = event.getExtension(EventEnvelope.TENANT_ID_EXTENSION);
    if (tenant == null || tenant.toString().isBlank()) {
      throw new IllegalStateException("Event " + event.getId() + " has no tenantid extension");
    }
    repository.insert(
        UUID.fromString(event.getId()),
        tenant.toString(),
        topic,
        key,
        EventEnvelope.toStructuredJson(event),
        EventEnvelope.STRUCTURED_CONTENT_TYPE,
        MDC.get(Correlation.MDC_REQUEST_ID),
        MDC.get(Correlation.MDC_TRACEPARENT));
    transaction.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            relay.wakeUp();
          }
        });
  }
}
