package dev.agentplane.kit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.RunEvent;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.tenancy.JobsDataSource;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.TestKafka;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.MDC;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxIT implements RealInfrastructure {

  @Inject Outbox outbox;
  @Inject OutboxRelay relay;
  @Inject OutboxRepository repository;
  @Inject TransactionOperations<Connection> transactions;

  /** The relay's view of the table, across tenants, to clean up and unblock rows. */
  @Inject
  @Named(JobsDataSource.NAME)
  TransactionOperations<Connection> jobs;

  @AfterEach
  void stopRelayAndEmptyTheOutbox() {
    StopRelayAfterSends.disarm();
    relay.stop();
    jobs.executeWrite(
        status -> {
          try (var delete = status.getConnection().prepareStatement("DELETE FROM outbox_event")) {
            return delete.executeUpdate();
          }
        });
  }

  @Test
  void anEventEnqueuedInACommittedTransactionIsPublishedExactlyOnceEvenWhenTheRelayStopsMidBatch() {
    String topic = "kit.outbox.restart." + UUID.randomUUID();
    List<String> keys = List.of("run-a", "run-b", "run-c");
    List<CloudEvent> events = new ArrayList<>();
    inTenant(
        "tenant-1",
        status -> {
          for (int i = 0; i < 60; i++) {
            CloudEvent event = event("tenant-1", i);
            events.add(event);
            outbox.enqueue(topic, keys.get(i % keys.size()), event);
          }
          return null;
        });

    StopRelayAfterSends.arm(relay, 7);
    int publishedBeforeStop = relay.relayOnce();
    assertThat(publishedBeforeStop)
        .as("the relay stopped after the 7th send of its batch")
        .isEqualTo(7);
    assertThat(repository.countPending()).isEqualTo(53);

    StopRelayAfterSends.disarm();
    relay.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> repository.countPending() == 0);

    List<ConsumerRecord<String, byte[]>> received = consumeAtLeast(topic, events.size());
    assertThat(received).hasSize(events.size());
    assertThat(received.stream().map(OutboxIT::eventId))
        .as("each event exactly once")
        .containsExactlyInAnyOrderElementsOf(events.stream().map(CloudEvent::getId).toList());
    for (String key : keys) {
      List<String> expectedOrder = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        if (keys.get(i % keys.size()).equals(key)) {
          expectedOrder.add(events.get(i).getId());
        }
      }
      assertThat(received.stream().filter(r -> r.key().equals(key)).map(OutboxIT::eventId))
          .as("events of key %s in the order they were enqueued", key)
          .containsExactlyElementsOf(expectedOrder);
    }
  }

  @Test
  void anEventEnqueuedInARolledBackTransactionIsNeverPublished() {
    String topic = "kit.outbox.rollback." + UUID.randomUUID();
    CloudEvent rolledBack = event("tenant-1", 1);
    CloudEvent committed = event("tenant-1", 2);
    assertThatThrownBy(
            () ->
                inTenant(
                    "tenant-1",
                    status -> {
                      outbox.enqueue(topic, "run-x", rolledBack);
                      throw new IllegalStateException("the change failed");
                    }))
        .hasMessageContaining("the change failed");
    inTenant(
        "tenant-1",
        status -> {
          outbox.enqueue(topic, "run-x", committed);
          return null;
        });

    relay.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> repository.countPending() == 0);

    List<ConsumerRecord<String, byte[]>> received = consumeAtLeast(topic, 1);
    assertThat(received.stream().map(OutboxIT::eventId)).containsExactly(committed.getId());
  }

  @Test
  void aPlatformEventGoesToItsTopicKeyedByItsAggregate() {
    UUID runId = UUID.randomUUID();
    RunEvent.RunQueued queued =
        new RunEvent.RunQueued(
            UUID.randomUUID(),
            Instant.now().truncatedTo(ChronoUnit.MILLIS),
            1,
            "tenant-7",
            runId,
            UUID.randomUUID(),
            1,
            3,
            RunMode.PRODUCTION);
    inTenant(
        "tenant-7",
        status -> {
          outbox.enqueue(queued);
          return null;
        });
    relay.start();

    // The topic is shared with every other test that publishes run events: wait for this run's.
    Predicate<ConsumerRecord<String, byte[]>> thisRun = r -> runId.toString().equals(r.key());
    ConsumerRecord<String, byte[]> record =
        consumeUntil(Topics.RUNS_EVENTS, all -> all.stream().anyMatch(thisRun)).stream()
            .filter(thisRun)
            .findFirst()
            .orElseThrow();
    CloudEvent envelope = EventEnvelope.fromKafka(record);
    assertThat(envelope.getSource()).hasToString("/agentplane/service-kit-test");
    assertThat(envelope.getExtension(EventEnvelope.TENANT_ID_EXTENSION)).isEqualTo("tenant-7");
    assertThat(EventEnvelope.unwrap(envelope)).isEqualTo(queued);
  }

  @Test
  void aRowKafkaRefusesIsRetriedWithBackoffAndHoldsBackItsKeyButNoOtherKey() {
    String topic = "kit.outbox.failure." + UUID.randomUUID();
    CloudEvent tooLarge = event("tenant-1", 0, "x".repeat(2 * 1024 * 1024));
    CloudEvent behindIt = event("tenant-1", 1);
    CloudEvent otherKey = event("tenant-1", 2);
    inTenant(
        "tenant-1",
        status -> {
          outbox.enqueue(topic, "stuck", tooLarge);
          outbox.enqueue(topic, "stuck", behindIt);
          outbox.enqueue(topic, "free", otherKey);
          return null;
        });

    assertThat(relay.relayOnce()).as("only the other key's event went out").isEqualTo(1);
    List<OutboxRow> pending = repository.findPending(10);
    assertThat(pending).extracting(OutboxRow::messageKey).containsExactly("stuck", "stuck");
    OutboxRow failed = pending.getFirst();
    assertThat(failed.attempts()).isEqualTo(1);
    assertThat(failed.lastError()).contains("RecordTooLarge");
    assertThat(failed.nextAttemptAt()).isAfter(failed.createdAt());

    // The first backoff is a second, which a loaded machine can let run out before the next pass.
    // Only a pass that ended before the row was due must have left it alone; each retry doubles
    // the backoff, so such a pass soon comes.
    for (int pass = 1; ; pass++) {
      OutboxRow before = failed;
      assertThat(relay.relayOnce()).as("the stuck key sends nothing").isZero();
      Instant passOver = Instant.now();
      pending = repository.findPending(10);
      failed = pending.getFirst();
      if (passOver.isBefore(before.nextAttemptAt())) {
        assertThat(failed.attempts())
            .as("the failed row is backing off")
            .isEqualTo(before.attempts());
        break;
      }
      assertThat(pass).as("passes until one ended before the row was due").isLessThan(5);
    }
    assertThat(pending.get(1).attempts()).as("never tried: it must not overtake").isZero();
    assertThat(consumeAtLeast(topic, 1).stream().map(OutboxIT::eventId))
        .containsExactly(otherKey.getId());

    // Operators unblock a key by removing (or fixing) the row; then the rest flows in order.
    long stuckId = failed.id();
    jobs.executeWrite(
        status -> {
          try (var delete =
              status.getConnection().prepareStatement("DELETE FROM outbox_event WHERE id = ?")) {
            delete.setLong(1, stuckId);
            return delete.executeUpdate();
          }
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> relay.relayOnce() == 1);
    assertThat(consumeAtLeast(topic, 2).stream().map(OutboxIT::eventId))
        .containsExactlyInAnyOrder(otherKey.getId(), behindIt.getId());
  }

  @Test
  void enqueueingOutsideATransactionIsRefused() {
    assertThatThrownBy(() -> outbox.enqueue("kit.outbox.none", "k", event("tenant-1", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside the transaction");
  }

  @Test
  void theRequestIdAndTraceContextOfTheEnqueuerTravelAsKafkaHeaders() {
    String topic = "kit.outbox.headers." + UUID.randomUUID();
    String traceparent = Correlation.newTraceparent();
    MDC.put(Correlation.MDC_REQUEST_ID, "req-42");
    MDC.put(Correlation.MDC_TRACEPARENT, traceparent);
    try {
      inTenant(
          "tenant-1",
          status -> {
            outbox.enqueue(topic, "run-h", event("tenant-1", 1));
            return null;
          });
    } finally {
      MDC.clear();
    }
    relay.start();

    ConsumerRecord<String, byte[]> record = consumeAtLeast(topic, 1).getFirst();
    assertThat(header(record, Correlation.REQUEST_ID_HEADER)).isEqualTo("req-42");
    assertThat(header(record, Correlation.TRACEPARENT_HEADER)).isEqualTo(traceparent);
    assertThat(header(record, "content-type")).isEqualTo("application/cloudevents+json");
  }

  /** Enqueues as a service does: in a transaction of the tenant the events are for. */
  private <T> T inTenant(String tenant, TransactionCallback<Connection, T> work) {
    return TenantScope.call(tenant, () -> transactions.executeWrite(work));
  }

  private static CloudEvent event(String tenant, int sequence) {
    return event(tenant, sequence, "");
  }

  private static CloudEvent event(String tenant, int sequence, String padding) {
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withSource(URI.create("/agentplane/kit-test"))
        .withType("dev.agentplane.test.happened")
        .withTime(OffsetDateTime.now())
        .withExtension("tenantid", tenant)
        .withData(
            "application/json",
            ("{\"sequence\":" + sequence + ",\"padding\":\"" + padding + "\"}")
                .getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private static List<ConsumerRecord<String, byte[]>> consumeAtLeast(String topic, int count) {
    return consumeUntil(topic, all -> all.size() >= count);
  }

  private static List<ConsumerRecord<String, byte[]>> consumeUntil(
      String topic, Predicate<List<ConsumerRecord<String, byte[]>>> enough) {
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = TestKafka.get().newConsumer()) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
                return enough.test(all);
              });
      // Anything sent twice would arrive right behind the rest: give it one more poll.
      consumer.poll(Duration.ofMillis(500)).forEach(all::add);
    }
    return all;
  }

  private static String eventId(ConsumerRecord<String, byte[]> record) {
    return EventEnvelope.fromStructuredJson(record.value()).getId();
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
