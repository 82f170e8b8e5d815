package dev.agentplane.kit.consumer;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.tenancy.TenantScope;
import io.cloudevents.CloudEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.exceptions.CannotCreateTransactionException;
import jakarta.inject.Singleton;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Applies an event's effect exactly once: the effect and the event id are committed in one
 * transaction, so a redelivery finds the id and does nothing. A message that cannot be decoded, or
 * whose handler keeps failing, is parked on the dead-letter topic so the partition never stalls;
 * only an outage of the database itself is rethrown, for the listener to retry the same record.
 */
@Singleton
public final class IdempotentConsumer {

  /** What became of one delivery. */
  public enum Outcome {
    PROCESSED,
    DUPLICATE,
    DEAD_LETTERED
  }

  private static final Logger LOG = LoggerFactory.getLogger(IdempotentConsumer.class);

  private final ProcessedEventRepository processedEvents;
  private final TransactionOperations<Connection> transactions;
  private final DeadLetters deadLetters;
  private final MeterRegistry meters;
  private final int maxAttempts;

  IdempotentConsumer(
      ProcessedEventRepository processedEvents,
      TransactionOperations<Connection> transactions,
      DeadLetters deadLetters,
      MeterRegistry meters,
      @Value("${agentplane.consumer.max-attempts:3}") int maxAttempts) {
    this.processedEvents = processedEvents;
    this.transactions = transactions;
    this.deadLetters = deadLetters;
    this.meters = meters;
    this.maxAttempts = maxAttempts;
  }

  /**
   * Processes one Kafka record for {@code consumer} (a stable name: one ledger per consumer, so two
   * consumers of the same event each apply it once).
   */
  public Outcome process(
      String consumer, ConsumerRecord<String, byte[]> record, EventHandler handler) {
    Map<String, String> previousMdc = MDC.getCopyOfContextMap();
    try {
      putHeaderInMdc(record, Correlation.REQUEST_ID_HEADER, Correlation.MDC_REQUEST_ID);
      putHeaderInMdc(record, Correlation.TRACEPARENT_HEADER, Correlation.MDC_TRACEPARENT);
      CloudEvent event;
      try {
        event = EventEnvelope.fromKafka(record);
      } catch (RuntimeException e) {
        return deadLetter(consumer, record, "undecodable: " + e.getMessage());
      }
      Object tenant = event.getExtension(EventEnvelope.TENANT_ID_EXTENSION);
      if (tenant == null || tenant.toString().isBlank()) {
        return deadLetter(consumer, record, "event " + event.getId() + " names no tenant");
      }
      MDC.put(Correlation.MDC_TENANT_ID, tenant.toString());
      return applyOnce(consumer, record, event, tenant.toString(), handler);
    } finally {
      if (previousMdc == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(previousMdc);
      }
    }
  }

  private Outcome applyOnce(
      String consumer,
      ConsumerRecord<String, byte[]> record,
      CloudEvent event,
      String tenant,
      EventHandler handler) {
    for (int attempt = 1; ; attempt++) {
      try {
        boolean firstDelivery =
            TenantScope.call(
                tenant,
                () ->
                    transactions.executeWrite(
                        status -> {
                          if (processedEvents.recordFirstDelivery(
                                  consumer, event.getId(), tenant, record.topic())
                              == 0) {
                            return false;
                          }
                          runHandler(handler, event);
                          return true;
                        }));
        count(consumer, firstDelivery ? Outcome.PROCESSED : Outcome.DUPLICATE);
        return firstDelivery ? Outcome.PROCESSED : Outcome.DUPLICATE;
      } catch (PoisonMessageException e) {
        return deadLetter(consumer, record, "rejected: " + e.getMessage());
      } catch (RuntimeException e) {
        if (isDatabaseOutage(e)) {
          throw e;
        }
        if (attempt >= maxAttempts) {
          return deadLetter(consumer, record, "failed " + attempt + " times: " + rootMessage(e));
        }
        LOG.warn(
            "Event {} failed for {} (attempt {}); retrying", event.getId(), consumer, attempt, e);
        backOff(attempt);
      }
    }
  }

  private static void runHandler(EventHandler handler, CloudEvent event) {
    try {
      handler.handle(event);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private Outcome deadLetter(
      String consumer, ConsumerRecord<String, byte[]> record, String reason) {
    LOG.warn(
        "Dead-lettering {}-{}@{} for {}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        consumer,
        reason);
    deadLetters.park(consumer, record, reason);
    count(consumer, Outcome.DEAD_LETTERED);
    return Outcome.DEAD_LETTERED;
  }

  private void count(String consumer, Outcome outcome) {
    meters
        .counter("agentplane.consumer.events", "consumer", consumer, "outcome", outcome.name())
        .increment();
  }

  private static void putHeaderInMdc(
      ConsumerRecord<String, byte[]> record, String header, String mdcKey) {
    Header value = record.headers().lastHeader(header);
    if (value != null && value.value() != null) {
      MDC.put(mdcKey, new String(value.value(), StandardCharsets.UTF_8));
    }
  }

  private static boolean isDatabaseOutage(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotCreateTransactionException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLRecoverableException
          || t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static void backOff(int attempt) {
    try {
      // A deliberate pause between retries of a failing handler (not a wait for async work):
      // it keeps a flapping dependency from being hammered while the record is retried in place.
      Thread.sleep(100L << Math.min(attempt, 5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while retrying an event", e);
    }
  }
}
