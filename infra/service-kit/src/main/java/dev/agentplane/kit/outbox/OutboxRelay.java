package dev.agentplane.kit.outbox;

import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.kafka.KafkaEventProducer;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes outbox rows to Kafka in id order, one batch per transaction, and marks them sent.
 *
 * <p>Order per key survives failures: once a row of a (topic, key) fails, later rows of that key
 * wait until it goes through. A graceful stop finishes marking what it already sent, so a restart
 * sends every row exactly once; after a crash between send and commit a row is sent again
 * (at-least-once), which consumers absorb by event id.
 */
@Singleton
public final class OutboxRelay implements ApplicationEventListener<ServerStartupEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
  private static final Duration METRICS_REFRESH = Duration.ofSeconds(1);
  private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  private final OutboxRepository repository;
  private final TransactionOperations<Connection> transactions;
  private final KafkaEventProducer producer;
  private final OutboxSettings settings;
  private final Semaphore wakeUps = new Semaphore(0);
  private final Counter published;
  private final Counter failures;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong oldestPendingMillis = new AtomicLong();

  private volatile boolean stopRequested;
  private volatile Thread worker;
  // Whether the last batch left nothing behind: read short of the batch size, and everything in it
  // sent. Counting what is pending costs a scan of the pending rows, which under a steady stream of
  // events is most of the relay's database time, so the lag is counted only while there is some.
  private volatile boolean drained;
  private Instant metricsRefreshedAt = Instant.EPOCH;
  private Instant purgedAt = Instant.EPOCH;

  OutboxRelay(
      OutboxRepository repository,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> transactions,
      KafkaEventProducer producer,
      OutboxSettings settings,
      MeterRegistry meters) {
    this.repository = repository;
    this.transactions = transactions;
    this.producer = producer;
    this.settings = settings;
    this.published =
        Counter.builder("agentplane.outbox.published")
            .description("Outbox events published to Kafka")
            .register(meters);
    this.failures =
        Counter.builder("agentplane.outbox.publish.failures")
            .description("Failed attempts to publish an outbox event")
            .register(meters);
    Gauge.builder("agentplane.outbox.pending", pending, AtomicLong::get)
        .description("Outbox events not yet published (relay lag in events)")
        .register(meters);
    Gauge.builder(
            "agentplane.outbox.oldest.pending.seconds", oldestPendingMillis, m -> m.get() / 1000.0)
        .description("Age of the oldest unpublished outbox event (relay lag in time)")
        .register(meters);
  }

  @Override
  public void onApplicationEvent(ServerStartupEvent event) {
    if (settings.relayEnabled()) {
      start();
    }
  }

  /** Starts relaying on a virtual thread; does nothing when already running. */
  public synchronized void start() {
    if (worker != null && worker.isAlive()) {
      return;
    }
    stopRequested = false;
    worker = Thread.ofVirtual().name("outbox-relay").start(this::relayUntilStopped);
  }

  /**
   * Stops after the row being sent: rows already handed to Kafka are awaited and marked, the rest
   * stay for the next start. Returns when the relay has stopped.
   */
  @PreDestroy
  public void stop() {
    Thread current;
    synchronized (this) {
      stopRequested = true;
      current = worker;
    }
    wakeUp();
    if (current != null && current != Thread.currentThread()) {
      try {
        current.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    // Stopped and idle: a later relayOnce() by hand runs its whole batch.
    stopRequested = false;
  }

  /** Asks only that the relay stop after the row it is sending; does not wait. */
  public void requestStop() {
    stopRequested = true;
    wakeUp();
  }

  /** Tells an idle relay there is work (called after an enqueueing transaction commits). */
  void wakeUp() {
    wakeUps.release();
  }

  private void relayUntilStopped() {
    while (!stopRequested) {
      try {
        int sent = relayOnce();
        maintain();
        // A batch that left nothing behind needs no second look until a commit wakes the relay:
        // looking again at once made one empty transaction per batch (a profile at 10 runs/s saw
        // three relay transactions for each one that published).
        if (sent == 0 || drained) {
          awaitWork(settings.pollInterval());
        }
      } catch (RuntimeException e) {
        LOG.warn("Outbox relay cycle failed; retrying after {}", settings.pollInterval(), e);
        awaitWork(settings.pollInterval());
      }
    }
  }

  private void awaitWork(Duration timeout) {
    try {
      if (wakeUps.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        wakeUps.drainPermits();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopRequested = true;
    }
  }

  /**
   * Publishes one batch in one transaction and returns how many rows went out. Visible for tests
   * and tools that drive the relay by hand.
   */
  public int relayOnce() {
    return transactions.executeWrite(
        status -> {
          if (!repository.tryRelayLock()) {
            return 0;
          }
          List<OutboxRow> rows = repository.findPending(settings.batchSize());
          int sent = publish(rows);
          drained = rows.size() < settings.batchSize() && sent == rows.size();
          return sent;
        });
  }

  private int publish(List<OutboxRow> rows) {
    Instant now = Instant.now();
    Set<String> heldBackKeys = new HashSet<>();
    List<InFlight> inFlight = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      if (stopRequested) {
        break;
      }
      String orderingKey = row.topic() + '\u0000' + row.messageKey();
      if (heldBackKeys.contains(orderingKey) || row.nextAttemptAt().isAfter(now)) {
        heldBackKeys.add(orderingKey);
        continue;
      }
      Future<RecordMetadata> ack = producer.send(toRecord(row));
      inFlight.add(new InFlight(row, ack));
      if (ack.isDone() && failed(ack)) {
        // Refused before it left (too large, unserializable): nothing after it may overtake it.
        heldBackKeys.add(orderingKey);
      }
    }
    producer.flush();
    List<Long> sent = new ArrayList<>(inFlight.size());
    for (InFlight flight : inFlight) {
      try {
        flight.ack().get();
        sent.add(flight.row().id());
      } catch (ExecutionException e) {
        recordFailure(flight.row(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        recordFailure(flight.row(), e);
      }
    }
    if (!sent.isEmpty()) {
      if (settings.retention().isZero()) {
        // Deleting leaves no new row version and no index entries behind, where marking a row
        // published writes both: for a stream of events, the cheaper of the two by far.
        repository.deletePublished(sent);
      } else {
        repository.markPublished(sent);
      }
      published.increment(sent.size());
    }
    return sent.size();
  }

  private static boolean failed(Future<RecordMetadata> ack) {
    try {
      ack.get();
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void recordFailure(OutboxRow row, Throwable cause) {
    failures.increment();
    int attempt = row.attempts() + 1;
    double delay =
        Math.min(
            settings.maxBackoff().toMillis() / 1000.0, 0.5 * Math.pow(2, Math.min(attempt, 20)));
    LOG.warn(
        "Publishing outbox event {} to {} failed (attempt {}); retrying in {}s",
        row.eventId(),
        row.topic(),
        attempt,
        delay,
        cause);
    repository.recordFailure(row.id(), String.valueOf(cause), delay);
  }

  private void maintain() {
    Instant now = Instant.now();
    if (drained) {
      pending.set(0);
      oldestPendingMillis.set(0);
    } else if (now.isAfter(metricsRefreshedAt.plus(METRICS_REFRESH))) {
      metricsRefreshedAt = now;
      pending.set(repository.countPending());
      oldestPendingMillis.set((long) (repository.oldestPendingAgeSeconds() * 1000));
    }
    if (now.isAfter(purgedAt.plus(PURGE_EVERY))) {
      purgedAt = now;
      repository.purgePublished(settings.retention().toSeconds());
    }
  }

  private static ProducerRecord<String, byte[]> toRecord(OutboxRow row) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(row.topic(), row.messageKey(), row.payload());
    record.headers().add("content-type", row.contentType().getBytes(StandardCharsets.UTF_8));
    if (row.requestId() != null) {
      record
          .headers()
          .add(Correlation.REQUEST_ID_HEADER, row.requestId().getBytes(StandardCharsets.UTF_8));
    }
    if (row.traceparent() != null) {
      record
          .headers()
          .add(Correlation.TRACEPARENT_HEADER, row.traceparent().getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }

  private record InFlight(OutboxRow row, Future<RecordMetadata> ack) {}
}
