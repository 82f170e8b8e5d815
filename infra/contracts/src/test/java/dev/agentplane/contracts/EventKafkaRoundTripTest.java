package dev.agentplane.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.TestKafka;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventSerializer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event type crosses a real Kafka broker and comes out as the record that went in. */
class EventKafkaRoundTripTest {

  private static final URI SOURCE = URI.create("/agentplane/contracts-test");
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private static String topic;
  private static KafkaProducer<String, byte[]> producer;
  private static TopicReader reader;

  @BeforeAll
  static void connectToKafka() {
    TestKafka kafka = TestKafka.get();
    topic = "contracts-round-trip-" + UUID.randomUUID();
    kafka.createTopics(topic);
    producer = kafka.newProducer();
    reader = new TopicReader(kafka.newConsumer(), topic);
  }

  @AfterAll
  static void disconnect() {
    producer.close();
    reader.close();
  }

  static Stream<String> everyEventType() {
    return EventTypes.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void anEventPublishedAsStructuredJsonIsConsumedUnchanged(String type) throws Exception {
    PlatformEvent event = EventFixtures.sampleOf(type);
    // The record the outbox would write, moved to this class's topic.
    ProducerRecord<String, byte[]> outgoing =
        EventEnvelope.toKafkaRecord(event, SOURCE, event.aggregateId());
    send(new ProducerRecord<>(topic, null, outgoing.key(), outgoing.value(), outgoing.headers()));

    ConsumerRecord<String, byte[]> consumed = reader.awaitKey(event.aggregateId(), DEADLINE);

    assertThat(header(consumed, EventEnvelope.CONTENT_TYPE_HEADER))
        .isEqualTo(EventEnvelope.STRUCTURED_CONTENT_TYPE);
    CloudEvent envelope = EventEnvelope.fromKafka(consumed);
    assertThat(envelope.getId()).isEqualTo(event.eventId().toString());
    assertThat(envelope.getType()).isEqualTo(type);
    assertThat(envelope.getSource()).isEqualTo(SOURCE);
    assertThat(envelope.getSubject()).isEqualTo(event.aggregateId());
    assertThat(envelope.getTime())
        .isEqualTo(OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
    assertThat(envelope.getExtension(EventEnvelope.TENANT_ID_EXTENSION))
        .isEqualTo(event.tenantId());
    assertThat(envelope.getDataSchema()).isEqualTo(EventSchemas.idOf(type));
    assertThat(EventSchemas.validate(type, dataOf(envelope))).isEmpty();
    assertThat(EventEnvelope.unwrap(envelope)).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void anEventPublishedInBinaryModeIsConsumedUnchanged(String type) throws Exception {
    PlatformEvent event = EventFixtures.sampleOf(type);
    CloudEvent envelope = EventEnvelope.wrap(event, SOURCE, null);
    RecordHeaders headers = new RecordHeaders();
    byte[] value;
    try (CloudEventSerializer serializer = new CloudEventSerializer()) {
      serializer.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
      value = serializer.serialize(topic, headers, envelope);
    }
    send(new ProducerRecord<>(topic, null, event.aggregateId(), value, headers));

    ConsumerRecord<String, byte[]> consumed = reader.awaitKey(event.aggregateId(), DEADLINE);

    assertThat(header(consumed, "ce_type")).isEqualTo(type);
    assertThat(header(consumed, "ce_tenantid")).isEqualTo(event.tenantId());
    CloudEvent received = EventEnvelope.fromKafka(consumed);
    assertThat(received.getSubject()).isNull();
    assertThat(EventSchemas.validate(type, dataOf(received))).isEmpty();
    assertThat(EventEnvelope.unwrap(received)).isEqualTo(event);
  }

  private static void send(ProducerRecord<String, byte[]> record) throws Exception {
    producer.send(record).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static JsonNode dataOf(CloudEvent envelope) throws IOException {
    return EventJson.MAPPER.readTree(envelope.getData().toBytes());
  }
}
