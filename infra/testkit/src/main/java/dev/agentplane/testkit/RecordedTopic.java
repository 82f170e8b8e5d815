package dev.agentplane.testkit;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * An outside consumer of one topic, in a group of its own from the topic's beginning, polling on a
 * thread of its own and keeping every record it receives (raw bytes, headers) in the order the
 * partitions gave them: what a test reads to see what reached Kafka, and how often. It rides out a
 * broker outage as any client does. {@link #close()} ends it.
 */
public final class RecordedTopic implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
  private final Thread poller;

  RecordedTopic(KafkaConsumer<String, byte[]> consumer, String topic) {
    this.consumer = consumer;
    consumer.subscribe(List.of(topic));
    this.poller = Thread.ofPlatform().daemon().name("recorded-" + topic).start(this::poll);
  }

  /** Every record received so far. */
  public List<ConsumerRecord<String, byte[]>> all() {
    return List.copyOf(records);
  }

  /** The records received so far under any of these keys, in the order they came. */
  public List<ConsumerRecord<String, byte[]>> withKeys(Collection<String> keys) {
    return records.stream().filter(record -> keys.contains(record.key())).toList();
  }

  private void poll() {
    try {
      while (true) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    } catch (WakeupException closing) {
      // close() ends the loop.
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    consumer.wakeup();
    try {
      poller.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
