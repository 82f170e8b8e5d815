package dev.agentplane.kit.kafka;

import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one producer through which a service writes to Kafka (outbox relay, dead letters). It is
 * idempotent with {@code acks=all} so that retries never duplicate or reorder records of a
 * partition, whatever the user's general Kafka configuration says.
 */
@Singleton
public final class KafkaEventProducer {

  private final Producer<String, byte[]> producer;

  KafkaEventProducer(
      @Value("${kafka.bootstrap.servers}") String bootstrapServers, KafkaProducerTuning tuning) {
    Properties properties = new Properties();
    properties.putAll(tuning.properties());
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    properties.putIfAbsent(
        ProducerConfig.CLIENT_ID_CONFIG, "agentplane-" + ProcessHandle.current().pid());
    this.producer = new KafkaProducer<>(properties);
  }

  public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
    return producer.send(record);
  }

  public void flush() {
    producer.flush();
  }

  @PreDestroy
  void close() {
    producer.close(Duration.ofSeconds(10));
  }

  /**
   * Extra producer settings (compression, linger, interceptors) under {@code
   * agentplane.kafka.producer}.
   */
  public record KafkaProducerTuning(Map<String, String> properties) {}
}
