package dev.agentplane.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An outside system listening to {@code agentplane.runs.events}: a consumer group of its own, the
 * CloudEvents SDK's Kafka deserializer, nothing of AgentPlane's code. It keeps every event it
 * received, per record key (the run id), in the order the partition delivered them.
 */
public final class RunEventConsumer implements AutoCloseable {

  /**
   * One event as an outside consumer sees it.
   *
   * @param key the Kafka record key
   * @param data the CloudEvent's {@code data}, parsed as JSON
   */
  public record ReceivedEvent(
      String key, String id, String type, String source, String tenant, JsonNode data) {

    /** The run's per-event sequence carried in the payload. */
    public long sequence() {
      return data.path("sequence").asLong();
    }
  }

  private final KafkaConsumer<String, CloudEvent> consumer;
  private final Map<String, List<ReceivedEvent>> byKey = new ConcurrentHashMap<>();
  private final Thread poller;
  private volatile boolean closed;

  private RunEventConsumer(KafkaConsumer<String, CloudEvent> consumer) {
    this.consumer = consumer;
    this.poller = Thread.ofPlatform().daemon().name("outside-run-event-consumer").start(this::poll);
  }

  /** Subscribes from the beginning of the topic and polls on a thread of its own. */
  public static RunEventConsumer start(String bootstrapServers) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "outside-consumer-" + UUID.randomUUID());
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CloudEventDeserializer.class);
    KafkaConsumer<String, CloudEvent> consumer = new KafkaConsumer<>(properties);
    consumer.subscribe(List.of(Topics.RUNS_EVENTS));
    return new RunEventConsumer(consumer);
  }

  /** The events received so far under {@code runId}, in delivery order. */
  public List<ReceivedEvent> eventsOf(String runId) {
    List<ReceivedEvent> events = byKey.get(runId);
    if (events == null) {
      return List.of();
    }
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The events received so far whose tenant extension is {@code tenant}. */
  public List<ReceivedEvent> eventsOfTenant(String tenant) {
    List<ReceivedEvent> all = new ArrayList<>();
    for (List<ReceivedEvent> events : byKey.values()) {
      synchronized (events) {
        events.stream().filter(event -> tenant.equals(event.tenant())).forEach(all::add);
      }
    }
    return all;
  }

  private void poll() {
    try {
      while (!closed) {
        for (ConsumerRecord<String, CloudEvent> record : consumer.poll(Duration.ofMillis(200))) {
          ReceivedEvent event = decode(record);
          List<ReceivedEvent> events =
              byKey.computeIfAbsent(record.key(), key -> new ArrayList<>());
          synchronized (events) {
            events.add(event);
          }
        }
      }
    } catch (WakeupException closing) {
      // close() ends the loop.
    } finally {
      consumer.close();
    }
  }

  private static ReceivedEvent decode(ConsumerRecord<String, CloudEvent> record) {
    CloudEvent event = record.value();
    Object tenant = event.getExtension("tenantid");
    try {
      JsonNode data =
          event.getData() == null
              ? ServiceApi.JSON.missingNode()
              : ServiceApi.JSON.readTree(event.getData().toBytes());
      return new ReceivedEvent(
          record.key(),
          event.getId(),
          event.getType(),
          event.getSource().toString(),
          tenant == null ? null : tenant.toString(),
          data);
    } catch (IOException e) {
      throw new UncheckedIOException("Undecodable data in " + event.getId(), e);
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
  }
}
