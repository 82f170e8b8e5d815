package dev.agentplane.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Puts payload records into CloudEvents 1.0 envelopes and takes them out again, and reads and
 * writes those envelopes as Kafka record values (JSON structured mode, or binary mode on read).
 */
public final class EventEnvelope {

  /** CloudEvents extension attribute carrying the tenant, so that routing needs no payload. */
  public static final String TENANT_ID_EXTENSION = "tenantid";

  /** Media type of a whole CloudEvent as JSON, the platform's Kafka record value. */
  public static final String STRUCTURED_CONTENT_TYPE = JsonFormat.CONTENT_TYPE;

  /** Media type of the {@code data} of every platform event. */
  public static final String DATA_CONTENT_TYPE = "application/json";

  /** Kafka header that tells structured from binary mode (CloudEvents Kafka binding, 3.2). */
  public static final String CONTENT_TYPE_HEADER = "content-type";

  /**
   * The deepest an event's data may nest. Deeper data is malformed (consumers dead-letter it)
   * before anything walks it: the schema check recurses once per level, and data that nests close
   * to Jackson's 1000-level read limit overflowed a consumer's stack, which stalled its partition
   * without a word. HTTP bodies have the same limit (the service kit's {@code JsonRequestBody}), so
   * what one door accepts the other does too.
   */
  public static final int MAX_DATA_DEPTH = 128;

  private static final JsonFormat STRUCTURED_JSON = new JsonFormat();

  // Stateless once constructed and never configured, so one instance serves every thread.
  private static final CloudEventDeserializer KAFKA_DESERIALIZER = new CloudEventDeserializer();

  private EventEnvelope() {}

  /**
   * The envelope of {@code event}: its id, time and tenant, the type of its record class, and its
   * JSON as data, checked against its schema first so that nothing invalid is ever published.
   *
   * @param source the producing service, e.g. {@code /agentplane/registry}
   * @param subject what the event is about within the source, or null
   * @throws MalformedEventException when the event does not match its schema
   */
  public static CloudEvent wrap(PlatformEvent event, URI source, String subject) {
    String type = EventTypes.typeOf(event);
    JsonNode data = EventJson.MAPPER.valueToTree(event);
    EventSchemas.requireValid(type, data);
    return CloudEventBuilder.v1()
        .withId(event.eventId().toString())
        .withSource(source)
        .withType(type)
        .withSubject(subject)
        .withTime(OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC))
        .withDataContentType(DATA_CONTENT_TYPE)
        .withDataSchema(EventSchemas.idOf(type))
        .withExtension(TENANT_ID_EXTENSION, event.tenantId())
        .withData(JsonCloudEventData.wrap(data))
        .build();
  }

  /**
   * The payload of an envelope, after checking that its type is known, its data matches the schema
   * of that type, and its id and tenant agree with the payload's.
   *
   * @throws MalformedEventException when any of that does not hold
   */
  public static PlatformEvent unwrap(CloudEvent event) {
    String type = event.getType();
    Class<? extends PlatformEvent> payloadClass =
        EventTypes.classOf(type)
            .orElseThrow(
                () ->
                    new MalformedEventException(
                        "Unknown event type '" + type + "' in event " + event.getId()));
    Object tenantId = event.getExtension(TENANT_ID_EXTENSION);
    if (tenantId == null) {
      throw new MalformedEventException(
          "Event " + event.getId() + " has no " + TENANT_ID_EXTENSION + " extension");
    }
    JsonNode data = dataOf(event);
    if (depthOf(data) > MAX_DATA_DEPTH) {
      throw new MalformedEventException(
          "Data of event " + event.getId() + " nests deeper than " + MAX_DATA_DEPTH + " levels");
    }
    EventSchemas.requireValid(type, data);
    PlatformEvent payload;
    try {
      payload = EventJson.MAPPER.treeToValue(data, payloadClass);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new MalformedEventException(
          "Data of event " + event.getId() + " is not a " + type + " payload", e);
    }
    // Consumers deduplicate on the envelope id and route on the envelope tenant: an envelope that
    // disagrees with its payload would make them act on the wrong one.
    if (!tenantId.toString().equals(payload.tenantId())) {
      throw new MalformedEventException(
          "Event " + event.getId() + " is for tenant " + tenantId + " but its data for another");
    }
    if (!event.getId().equals(payload.eventId().toString())) {
      throw new MalformedEventException(
          "Event " + event.getId() + " carries data of event " + payload.eventId());
    }
    return payload;
  }

  /**
   * The payload of an envelope that must be of one kind, e.g. {@code ApprovalDecided.class} for a
   * consumer of {@link Topics#APPROVALS_DECIDED}, or {@code RunEvent.class}.
   *
   * @throws MalformedEventException when it is not, or when {@link #unwrap(CloudEvent)} would
   */
  public static <T extends PlatformEvent> T unwrap(CloudEvent event, Class<T> expected) {
    PlatformEvent payload = unwrap(event);
    if (!expected.isInstance(payload)) {
      throw new MalformedEventException(
          "Event " + event.getId() + " is a " + event.getType() + ", not a " + expected.getName());
    }
    return expected.cast(payload);
  }

  /** The envelope as {@code application/cloudevents+json}, with {@code data} inline as JSON. */
  public static byte[] toStructuredJson(CloudEvent event) {
    return STRUCTURED_JSON.serialize(event);
  }

  /**
   * The envelope in {@code application/cloudevents+json} bytes.
   *
   * @throws MalformedEventException when the bytes are not a CloudEvent in JSON
   */
  public static CloudEvent fromStructuredJson(byte[] json) {
    try {
      return STRUCTURED_JSON.deserialize(json);
    } catch (RuntimeException e) {
      // Whatever the SDK throws on foreign bytes (EventDeserializationException, or worse from
      // Jackson), retrying will not help: it is malformed.
      throw new MalformedEventException("Not a CloudEvent in structured JSON", e);
    }
  }

  /**
   * The Kafka record that publishes {@code event}: on its topic ({@link Topics#of}), keyed by its
   * aggregate id, with the structured envelope as value and the matching {@code content-type}
   * header. Producers hand its parts to their outbox.
   */
  public static ProducerRecord<String, byte[]> toKafkaRecord(
      PlatformEvent event, URI source, String subject) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(CONTENT_TYPE_HEADER, STRUCTURED_CONTENT_TYPE.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        Topics.of(event),
        null,
        event.aggregateId(),
        toStructuredJson(wrap(event, source, subject)),
        headers);
  }

  /**
   * The envelope of a consumed record, in structured mode (the platform's) or binary mode ({@code
   * ce_*} headers, which external producers may prefer), told apart by the {@code content-type}
   * header.
   *
   * @throws MalformedEventException when the record holds no CloudEvent
   */
  public static CloudEvent fromKafka(ConsumerRecord<String, byte[]> record) {
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    if (record.value() == null) {
      throw new MalformedEventException("Record " + position + " has no value");
    }
    try {
      CloudEvent event =
          KAFKA_DESERIALIZER.deserialize(record.topic(), record.headers(), record.value());
      if (event == null) {
        throw new MalformedEventException("Record " + position + " holds no CloudEvent");
      }
      return event;
    } catch (MalformedEventException e) {
      throw e;
    } catch (RuntimeException e) {
      // As in fromStructuredJson: undecodable input, not a transient failure.
      throw new MalformedEventException("Record " + position + " holds no CloudEvent", e);
    }
  }

  private static JsonNode dataOf(CloudEvent event) {
    String contentType = event.getDataContentType();
    if (contentType != null && !isJson(contentType)) {
      throw new MalformedEventException(
          "Event " + event.getId() + " has data of type " + contentType + ", not JSON");
    }
    CloudEventData data = event.getData();
    if (data == null) {
      throw new MalformedEventException("Event " + event.getId() + " has no data");
    }
    // Structured JSON arrives parsed; binary mode and other builders hand over bytes.
    if (data instanceof JsonCloudEventData json) {
      return json.getNode();
    }
    JsonNode json;
    try {
      json = EventJson.MAPPER.readTree(data.toBytes());
    } catch (IOException e) {
      throw new MalformedEventException("Data of event " + event.getId() + " is not JSON", e);
    }
    if (json == null || json.isMissingNode()) {
      throw new MalformedEventException("Event " + event.getId() + " has empty data");
    }
    return json;
  }

  /** How many levels of arrays and objects {@code node} nests, counted without recursion. */
  static int depthOf(JsonNode node) {
    int deepest = 0;
    Deque<Map.Entry<JsonNode, Integer>> pending = new ArrayDeque<>();
    pending.push(Map.entry(node, 1));
    while (!pending.isEmpty()) {
      Map.Entry<JsonNode, Integer> next = pending.pop();
      if (next.getKey().isContainerNode()) {
        int depth = next.getValue();
        deepest = Math.max(deepest, depth);
        if (deepest > MAX_DATA_DEPTH) {
          return deepest;
        }
        next.getKey().forEach(child -> pending.push(Map.entry(child, depth + 1)));
      }
    }
    return deepest;
  }

  private static boolean isJson(String contentType) {
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mediaType.equals(DATA_CONTENT_TYPE) || mediaType.endsWith("+json");
  }
}
