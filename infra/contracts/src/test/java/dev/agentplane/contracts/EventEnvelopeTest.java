package dev.agentplane.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.RunEvent.RunQueued;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class EventEnvelopeTest {

  private static final URI SOURCE = URI.create("/agentplane/execution");

  @Test
  void wrappingCarriesTheEventsIdTypeTimeTenantAndSchema() {
    RunQueued queued = EventFixtures.aRunQueued(EventFixtures.aTenant());

    CloudEvent envelope = EventEnvelope.wrap(queued, SOURCE, "runs/" + queued.runId());

    assertThat(envelope.getSpecVersion().toString()).isEqualTo("1.0");
    assertThat(envelope.getId()).isEqualTo(queued.eventId().toString());
    assertThat(envelope.getSource()).isEqualTo(SOURCE);
    assertThat(envelope.getType()).isEqualTo("dev.agentplane.run.queued");
    assertThat(envelope.getSubject()).isEqualTo("runs/" + queued.runId());
    assertThat(envelope.getTime())
        .isEqualTo(OffsetDateTime.ofInstant(queued.occurredAt(), ZoneOffset.UTC));
    assertThat(envelope.getDataContentType()).isEqualTo("application/json");
    assertThat(envelope.getDataSchema())
        .isEqualTo(
            URI.create("https://agentplane.dev/schemas/events/dev.agentplane.run.queued.json"));
    assertThat(envelope.getExtension("tenantid")).isEqualTo(queued.tenantId());
  }

  @Test
  void payloadJsonUsesIsoInstantsEnumNamesAndLeavesOutAbsentFields() throws Exception {
    PlatformEvent activated =
        new RegistryLifecycleEvent.VersionActivated(
            UUID.fromString("00000000-0000-4000-8000-000000000001"),
            EventFixtures.OCCURRED_AT,
            1,
            "acme",
            ResourceKind.TOOL,
            UUID.fromString("00000000-0000-4000-8000-000000000002"),
            "wire-transfer",
            1,
            "sha256:00",
            "user-1",
            null);

    byte[] data = EventEnvelope.wrap(activated, SOURCE, null).getData().toBytes();

    assertThat(new String(data, StandardCharsets.UTF_8))
        .isEqualTo(
            """
            {"eventId":"00000000-0000-4000-8000-000000000001",\
            "occurredAt":"2025-03-14T09:26:53.589793238Z","schemaVersion":1,"tenantId":"acme",\
            "resourceKind":"TOOL","resourceId":"00000000-0000-4000-8000-000000000002",\
            "name":"wire-transfer","version":1,"specHash":"sha256:00","actor":"user-1"}""");
  }

  @Test
  void anEventThatBreaksItsSchemaIsNeverWrapped() {
    RunQueued queued = EventFixtures.aRunQueued(EventFixtures.aTenant());
    RunQueued withoutMode =
        new RunQueued(
            queued.eventId(),
            queued.occurredAt(),
            1,
            queued.tenantId(),
            queued.runId(),
            queued.agentId(),
            queued.sequence(),
            queued.agentVersion(),
            null);

    assertThatThrownBy(() -> EventEnvelope.wrap(withoutMode, SOURCE, null))
        .isInstanceOf(MalformedEventException.class)
        .satisfies(
            e ->
                assertThat(((MalformedEventException) e).violations())
                    .anySatisfy(violation -> assertThat(violation).startsWith("/mode:")));
  }

  @Test
  void theKafkaRecordOfAnEventGoesToItsTopicUnderItsAggregateId() {
    RunQueued queued = EventFixtures.aRunQueued(EventFixtures.aTenant());

    ProducerRecord<String, byte[]> record = EventEnvelope.toKafkaRecord(queued, SOURCE, null);

    assertThat(record.topic()).isEqualTo(Topics.RUNS_EVENTS);
    assertThat(record.key()).isEqualTo(queued.runId().toString());
    assertThat(record.headers().lastHeader("content-type").value())
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("application/cloudevents+json");
    assertThat(EventEnvelope.unwrap(EventEnvelope.fromStructuredJson(record.value())))
        .isEqualTo(queued);
  }

  @Test
  void unwrappingAnUnknownTypeIsMalformed() {
    CloudEvent unknown =
        CloudEventBuilder.v1(wrapped()).withType("dev.agentplane.run.teleported").build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(unknown))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("dev.agentplane.run.teleported");
  }

  @Test
  void unwrappingAnEventWithoutTenantIdIsMalformed() {
    CloudEvent withoutTenant =
        CloudEventBuilder.v1(wrapped()).withoutExtension(EventEnvelope.TENANT_ID_EXTENSION).build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(withoutTenant))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("tenantid");
  }

  @Test
  void unwrappingAnEventWhoseTenantIdDisagreesWithItsDataIsMalformed() {
    CloudEvent otherTenant =
        CloudEventBuilder.v1(wrapped())
            .withExtension(EventEnvelope.TENANT_ID_EXTENSION, "someone-else")
            .build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(otherTenant))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("tenant someone-else");
  }

  @Test
  void unwrappingAnEventWhoseIdDisagreesWithItsDataIsMalformed() {
    CloudEvent otherId =
        CloudEventBuilder.v1(wrapped()).withId(UUID.randomUUID().toString()).build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(otherId))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("carries data of event");
  }

  @Test
  void unwrappingAnEventWithoutDataIsMalformed() {
    CloudEvent withoutData = CloudEventBuilder.v1(wrapped()).withoutData().build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(withoutData))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("has no data");
  }

  @Test
  void unwrappingGarbageDataIsMalformed() {
    CloudEvent garbage =
        CloudEventBuilder.v1(wrapped())
            .withData("application/json", new byte[] {(byte) 0xde, (byte) 0xad, '{', 0x00})
            .build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(garbage))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("is not JSON");
  }

  @Test
  void unwrappingDataOfAnotherContentTypeIsMalformed() {
    CloudEvent xml =
        CloudEventBuilder.v1(wrapped())
            .withData("application/xml", "<run/>".getBytes(StandardCharsets.UTF_8))
            .build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(xml))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("application/xml");
  }

  @Test
  void unwrappingDataThatBreaksTheSchemaNamesTheField() {
    CloudEvent envelope = wrapped();
    ObjectNode data = (ObjectNode) ((JsonCloudEventData) envelope.getData()).getNode().deepCopy();
    data.put("sequence", "first");
    CloudEvent broken =
        CloudEventBuilder.v1(envelope).withData(JsonCloudEventData.wrap(data)).build();

    assertThatThrownBy(() -> EventEnvelope.unwrap(broken))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("/sequence");
  }

  @Test
  void unwrappingDataNestedDeeperThanTheLimitIsMalformedBeforeAnythingWalksIt() throws Exception {
    CloudEvent request =
        EventEnvelope.wrap(
            EventFixtures.aRunRequested(EventFixtures.aTenant()), URI.create("/outside"), null);
    String json = new String(EventEnvelope.toStructuredJson(request), StandardCharsets.UTF_8);
    int depth = 996; // with the envelope, 999 levels: still within what the SDK's parser reads
    String deep =
        json.replaceFirst(
            "\"input\":\\{[^}]*\\}", "\"input\":" + "[".repeat(depth) + "]".repeat(depth));
    assertThat(deep).isNotEqualTo(json);
    CloudEvent parsed = EventEnvelope.fromStructuredJson(deep.getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> EventEnvelope.unwrap(parsed))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("deeper than " + EventEnvelope.MAX_DATA_DEPTH);
  }

  @Test
  void dataAtTheDepthLimitIsNotRefusedForItsDepth() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    ObjectNode inner = node;
    for (int level = 2; level <= EventEnvelope.MAX_DATA_DEPTH; level++) {
      inner = inner.putObject("a");
    }
    assertThat(EventEnvelope.depthOf(node)).isEqualTo(EventEnvelope.MAX_DATA_DEPTH);
    inner.putArray("b");
    assertThat(EventEnvelope.depthOf(node)).isEqualTo(EventEnvelope.MAX_DATA_DEPTH + 1);
  }

  @Test
  void unwrappingAsTheExpectedKindReturnsThePayloadTyped() {
    RunQueued queued = EventFixtures.aRunQueued(EventFixtures.aTenant());

    RunEvent unwrapped =
        EventEnvelope.unwrap(EventEnvelope.wrap(queued, SOURCE, null), RunEvent.class);

    assertThat(unwrapped).isEqualTo(queued);
  }

  @Test
  void unwrappingAsAnotherKindIsMalformed() {
    assertThatThrownBy(() -> EventEnvelope.unwrap(wrapped(), ApprovalDecided.class))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("not a " + ApprovalDecided.class.getName());
  }

  @Test
  void structuredJsonThatIsGarbageIsMalformed() {
    byte[] garbage = "{\"specversion\": \"1.0\", \"id\": ".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> EventEnvelope.fromStructuredJson(garbage))
        .isInstanceOf(MalformedEventException.class);
  }

  @Test
  void aKafkaRecordWithGarbageInStructuredModeIsMalformed() {
    ConsumerRecord<String, byte[]> record =
        new ConsumerRecord<>(
            Topics.RUNS_EVENTS, 0, 42L, "key", "not json at all".getBytes(StandardCharsets.UTF_8));
    record
        .headers()
        .add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> EventEnvelope.fromKafka(record))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining(Topics.RUNS_EVENTS + "-0@42");
  }

  @Test
  void aKafkaRecordWithoutCloudEventHeadersIsMalformed() {
    ConsumerRecord<String, byte[]> record =
        new ConsumerRecord<>(
            Topics.RUNS_EVENTS, 0, 7L, "key", "{\"hello\":1}".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> EventEnvelope.fromKafka(record))
        .isInstanceOf(MalformedEventException.class);
  }

  @Test
  void aKafkaTombstoneIsMalformed() {
    ConsumerRecord<String, byte[]> tombstone =
        new ConsumerRecord<>(Topics.RUNS_EVENTS, 0, 8L, "key", null);

    assertThatThrownBy(() -> EventEnvelope.fromKafka(tombstone))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("has no value");
  }

  private static CloudEvent wrapped() {
    return EventEnvelope.wrap(EventFixtures.aRunQueued(EventFixtures.aTenant()), SOURCE, null);
  }
}
