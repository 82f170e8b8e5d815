package dev.agentplane.kit.outbox;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Asks the relay to stop right after the Nth record it hands to Kafka, so a test can stop it in the
 * middle of a batch deterministically. Idle unless armed.
 */
public final class StopRelayAfterSends implements ProducerInterceptor<String, byte[]> {

  private static volatile OutboxRelay relay;
  private static final AtomicInteger REMAINING = new AtomicInteger(-1);

  static void arm(OutboxRelay target, int sends) {
    relay = target;
    REMAINING.set(sends);
  }

  static void disarm() {
    relay = null;
    REMAINING.set(-1);
  }

  @Override
  public ProducerRecord<String, byte[]> onSend(ProducerRecord<String, byte[]> record) {
    OutboxRelay target = relay;
    if (target != null && REMAINING.decrementAndGet() == 0) {
      target.requestStop();
    }
    return record;
  }

  @Override
  public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
