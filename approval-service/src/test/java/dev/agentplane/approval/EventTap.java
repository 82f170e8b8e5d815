package dev.agentplane.approval;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.testkit.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.Awaitility;

/** Reads what the approval service published to Kafka, decoded, so tests can wait for an event. */
public final class EventTap implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer = TestKafka.get().newConsumer();
  private final List<PlatformEvent> seen = new ArrayList<>();

  public EventTap(String... topics) {
    consumer.subscribe(List.of(topics));
  }

  /** Waits (up to 30 s) until an event of the type matching the predicate has arrived. */
  public <T extends PlatformEvent> T await(Class<T> type, Predicate<T> matching) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> first(type, matching) != null);
    return first(type, matching);
  }

  /** Everything of the type received so far that matches, after draining what is waiting. */
  public <T extends PlatformEvent> List<T> all(Class<T> type, Predicate<T> matching) {
    drain();
    return seen.stream().filter(type::isInstance).map(type::cast).filter(matching).toList();
  }

  private <T extends PlatformEvent> T first(Class<T> type, Predicate<T> matching) {
    List<T> found = all(type, matching);
    return found.isEmpty() ? null : found.getFirst();
  }

  private void drain() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
      seen.add(EventEnvelope.unwrap(EventEnvelope.fromKafka(record)));
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
