package dev.agentplane.contracts;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one single-partition topic shared by the tests of a class and hands each test the record
 * with its own key, whatever order the records arrive in.
 */
final class TopicReader implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(100);

  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();

  TopicReader(KafkaConsumer<String, byte[]> consumer, String topic) {
    this.consumer = consumer;
    // Assigned rather than subscribed: no group rebalance to wait for.
    List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** The record keyed {@code key}, polling until it arrives or {@code timeout} passes. */
  ConsumerRecord<String, byte[]> awaitKey(String key, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (!byKey.containsKey(key)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("No record keyed " + key + " within " + timeout);
      }
      consumer.poll(POLL).forEach(record -> byKey.put(record.key(), record));
    }
    return byKey.remove(key);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
