package dev.agentplane.execution.support;

import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.testkit.TestKafka;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Plays the approval service's part on Kafka: publishes decisions on {@code
 * agentplane.approvals.decided} as that service's outbox relay does.
 */
public final class ApprovalService {

  private static final URI SOURCE = URI.create("urn:agentplane:test-approver");

  private ApprovalService() {}

  /** Publishes {@code decision} and waits for the broker's acknowledgement. */
  public static void publish(ApprovalDecided decision) {
    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      producer.send(EventEnvelope.toKafkaRecord(decision, SOURCE, decision.aggregateId())).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Could not publish the decision", e);
    }
  }
}
