package dev.agentplane.kit.consumer;

import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.kafka.KafkaEventProducer;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Parks a message that cannot be processed on {@code <topic>.dlq}, unchanged, with why and where it
 * came from in {@code x-dlq-*} headers, so the partition moves on and an operator can replay.
 */
@Singleton
public final class DeadLetters {

  public static final String REASON_HEADER = "x-dlq-reason";
  public static final String CONSUMER_HEADER = "x-dlq-consumer";
  public static final String ORIGIN_TOPIC_HEADER = "x-dlq-original-topic";
  public static final String ORIGIN_PARTITION_HEADER = "x-dlq-original-partition";
  public static final String ORIGIN_OFFSET_HEADER = "x-dlq-original-offset";

  private static final int MAX_REASON_LENGTH = 2000;

  private final KafkaEventProducer producer;

  DeadLetters(KafkaEventProducer producer) {
    this.producer = producer;
  }

  /**
   * Publishes and waits for the broker's ack: the caller commits the original offset only after, so
   * a message is never lost between its topic and the dead-letter topic.
   */
  public void park(String consumer, ConsumerRecord<String, byte[]> original, String reason) {
    ProducerRecord<String, byte[]> letter =
        new ProducerRecord<>(Topics.deadLetter(original.topic()), original.key(), original.value());
    for (Header header : original.headers()) {
      letter.headers().add(header);
    }
    String shortReason =
        reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
    letter.headers().add(REASON_HEADER, bytes(shortReason));
    letter.headers().add(CONSUMER_HEADER, bytes(consumer));
    letter.headers().add(ORIGIN_TOPIC_HEADER, bytes(original.topic()));
    letter.headers().add(ORIGIN_PARTITION_HEADER, bytes(String.valueOf(original.partition())));
    letter.headers().add(ORIGIN_OFFSET_HEADER, bytes(String.valueOf(original.offset())));
    try {
      producer.send(letter).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while dead-lettering", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Could not dead-letter a message of " + original.topic(), e);
    }
  }

  private static byte[] bytes(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
