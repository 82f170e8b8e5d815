package dev.agentplane.kit.outbox;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.correlation.Correlation;
import io.cloudevents.CloudEvent;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.runtime.ApplicationConfiguration;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.net.URI;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * Where a service announces a state change: the event is written in the caller's transaction, so it
 * is published if and only if the change commits, and never before.
 */
@Singleton
public final class Outbox {

  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final OutboxRelay relay;
  private final URI source;

  Outbox(
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions,
      OutboxRelay relay,
      ApplicationConfiguration application) {
    this.jdbc = jdbc;
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
   * Adds platform events, in order, in one round trip to the database (each to its topic, keyed by
   * its aggregate). Must run inside the transaction that makes the change they announce.
   *
   * @return the CloudEvents as they will be published, in the same order
   */
  public List<CloudEvent> enqueueAll(List<? extends PlatformEvent> events) {
    List<Pending> rows = new ArrayList<>(events.size());
    List<CloudEvent> wrapped = new ArrayList<>(events.size());
    for (PlatformEvent event : events) {
      CloudEvent cloudEvent = EventEnvelope.wrap(event, source, event.aggregateId());
      wrapped.add(cloudEvent);
      rows.add(new Pending(Topics.of(event), event.aggregateId(), cloudEvent));
    }
    insert(rows);
    return wrapped;
  }

  /**
   * Adds an event for {@code topic}, keyed by {@code key} (the aggregate id, so one aggregate's
   * events stay in order). Must run inside the transaction that makes the change it announces.
   *
   * @throws IllegalStateException when called outside a transaction, or the event names no tenant
   */
  public void enqueue(String topic, String key, CloudEvent event) {
    insert(List.of(new Pending(topic, key, event)));
  }

  private record Pending(String topic, String key, CloudEvent event) {}

  private void insert(List<Pending> rows) {
    if (rows.isEmpty()) {
      return;
    }
    var transaction =
        transactions
            .findTransactionStatus()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Outbox.enqueue must run inside the transaction of the change it announces"));
    String requestId = MDC.get(Correlation.MDC_REQUEST_ID);
    String traceparent = MDC.get(Correlation.MDC_TRACEPARENT);
    jdbc.prepareStatement(
        """
        INSERT INTO outbox_event
          (event_id, tenant_id, topic, message_key, payload, content_type, request_id, traceparent)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        statement -> {
          for (Pending row : rows) {
            Object tenant = row.event().getExtension(EventEnvelope.TENANT_ID_EXTENSION);
            if (tenant == null || tenant.toString().isBlank()) {
              throw new IllegalStateException(
                  "Event " + row.event().getId() + " has no tenantid extension");
            }
            statement.setObject(1, UUID.fromString(row.event().getId()));
            statement.setString(2, tenant.toString());
            statement.setString(3, row.topic());
            statement.setString(4, row.key());
            statement.setBytes(5, EventEnvelope.toStructuredJson(row.event()));
            statement.setString(6, EventEnvelope.STRUCTURED_CONTENT_TYPE);
            statement.setString(7, requestId);
            statement.setString(8, traceparent);
            statement.addBatch();
          }
          return statement.executeBatch();
        });
    transaction.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            relay.wakeUp();
          }
        });
  }
}
