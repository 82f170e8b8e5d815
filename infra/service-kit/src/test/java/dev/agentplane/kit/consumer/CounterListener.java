package dev.agentplane.kit.consumer;

import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A listener the way services write them: decode nothing itself, delegate to the idempotent
 * consumer. Its effect bumps a counter named by the event's data; "poison" is refused.
 */
@KafkaListener(groupId = "kit-test-counter", offsetReset = OffsetReset.EARLIEST)
class CounterListener {

  static final String TOPIC = "kit.test.counter";
  static final String CONSUMER = "kit-test-counter";

  private final IdempotentConsumer consumer;
  private final JdbcOperations jdbc;

  CounterListener(IdempotentConsumer consumer, JdbcOperations jdbc) {
    this.consumer = consumer;
    this.jdbc = jdbc;
  }

  @Topic(TOPIC)
  void receive(ConsumerRecord<String, byte[]> record) {
    consumer.process(
        CONSUMER,
        record,
        event -> {
          String counter = new String(event.getData().toBytes(), StandardCharsets.UTF_8);
          jdbc.prepareStatement(
              """
              INSERT INTO test_counter (name, value) VALUES (?, 1)
              ON CONFLICT (name) DO UPDATE SET value = test_counter.value + 1
              """,
              statement -> {
                statement.setString(1, counter);
                return statement.executeUpdate();
              });
          if (counter.startsWith("poison")) {
            throw new PoisonMessageException("counter " + counter + " cannot be counted");
          }
        });
  }
}
