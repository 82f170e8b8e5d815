package dev.agentplane.kit.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.TestKafka;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotentConsumerIT implements RealInfrastructure {

  private final KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer();

  @Inject JdbcOperations jdbc;
  @Inject TransactionOperations<Connection> transactions;
  @Inject MeterRegistry meters;

  @Override
  public Map<String, String> getProperties() {
    TestKafka.get().createTopics(CounterListener.TOPIC, Topics.deadLetter(CounterListener.TOPIC));
    return RealInfrastructure.super.getProperties();
  }

  @AfterAll
  void closeProducer() {
    producer.close();
  }

  @Test
  void theSameEventDeliveredTwiceChangesStateOnce() throws Exception {
    String counter = "twice-" + UUID.randomUUID();
    CloudEvent event = event(counter);
    double duplicatesBefore = outcomeCount("DUPLICATE");

    send(EventEnvelope.toStructuredJson(event));
    send(EventEnvelope.toStructuredJson(event));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> outcomeCount("DUPLICATE") >= duplicatesBefore + 1);
    assertThat(counterValue(counter)).isEqualTo(1);
  }

  @Test
  void aMalformedMessageLandsOnTheDeadLetterTopicAndTheNextGoodMessageIsStillProcessed()
      throws Exception {
    String counter = "after-garbage-" + UUID.randomUUID();
    byte[] garbage = ("not a cloud event " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);

    send(garbage);
    send(EventEnvelope.toStructuredJson(event(counter)));

    await().atMost(Duration.ofSeconds(30)).until(() -> counterValue(counter) == 1);
    ConsumerRecord<String, byte[]> letter = deadLetterWithValue(garbage);
    assertThat(header(letter, DeadLetters.REASON_HEADER)).startsWith("undecodable");
    assertThat(header(letter, DeadLetters.CONSUMER_HEADER)).isEqualTo(CounterListener.CONSUMER);
    assertThat(header(letter, DeadLetters.ORIGIN_TOPIC_HEADER)).isEqualTo(CounterListener.TOPIC);
  }

  @Test
  void anEventItsHandlerRefusesIsDeadLetteredAndLeavesNoHalfWrittenEffect() throws Exception {
    String counter = "poison-" + UUID.randomUUID();
    CloudEvent poison = event(counter);
    byte[] payload = EventEnvelope.toStructuredJson(poison);

    send(payload);

    ConsumerRecord<String, byte[]> letter = deadLetterWithValue(payload);
    assertThat(header(letter, DeadLetters.REASON_HEADER)).contains("cannot be counted");
    assertThat(counterValue(counter)).as("the handler's write was rolled back").isZero();
    assertThat(processedRows(poison.getId())).as("not recorded as processed").isZero();
  }

  private void send(byte[] value) throws Exception {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(CounterListener.TOPIC, "key-" + UUID.randomUUID(), value);
    record
        .headers()
        .add(
            "content-type", EventEnvelope.STRUCTURED_CONTENT_TYPE.getBytes(StandardCharsets.UTF_8));
    producer.send(record).get();
  }

  private static CloudEvent event(String counter) {
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withSource(URI.create("/agentplane/kit-test"))
        .withType("dev.agentplane.test.counted")
        .withTime(OffsetDateTime.now())
        .withExtension(EventEnvelope.TENANT_ID_EXTENSION, "tenant-1")
        .withData("text/plain", counter.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private int counterValue(String counter) {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                "SELECT value FROM test_counter WHERE name = ?",
                statement -> {
                  statement.setString(1, counter);
                  try (var rows = statement.executeQuery()) {
                    return rows.next() ? rows.getInt(1) : 0;
                  }
                }));
  }

  private int processedRows(String eventId) {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                "SELECT count(*) FROM processed_event WHERE event_id = ?",
                statement -> {
                  statement.setString(1, eventId);
                  try (var rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getInt(1);
                  }
                }));
  }

  private double outcomeCount(String outcome) {
    var counter =
        meters
            .find("agentplane.consumer.events")
            .tags("consumer", CounterListener.CONSUMER, "outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static ConsumerRecord<String, byte[]> deadLetterWithValue(byte[] value) {
    List<ConsumerRecord<String, byte[]>> letters = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = TestKafka.get().newConsumer()) {
      consumer.subscribe(List.of(Topics.deadLetter(CounterListener.TOPIC)));
      return await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
                return letters.stream()
                    .filter(r -> java.util.Arrays.equals(r.value(), value))
                    .findFirst()
                    .orElse(null);
              },
              java.util.Objects::nonNull);
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
