package dev.agentplane.execution.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.execution.gate.Gate;
import dev.agentplane.testkit.TestKafka;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Plays the approval service's part on Kafka: publishes decisions on {@code
 * agentplane.approvals.decided} as that service's outbox relay does.
 */
public final class ApprovalService {

  private static final URI SOURCE = URI.create("urn:agentplane:test-approver");

  private ApprovalService() {}

  /**
   * The decision an approver (subject {@code approver-1}) takes on the gate of a run's tool call
   * ({@code toolCallId} as the gate names it); expiries name no approver.
   */
  public static ApprovalDecided decision(
      String tenant,
      UUID runId,
      String toolCallId,
      ApprovalOutcome outcome,
      JsonNode finalArguments,
      JsonNode argumentsDiff,
      String reason) {
    return new ApprovalDecided(
        UUID.randomUUID(),
        Instant.now(),
        1,
        tenant,
        Gate.approvalIdOf(runId, toolCallId),
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(runId, toolCallId),
        outcome,
        finalArguments,
        argumentsDiff,
        reason,
        outcome == ApprovalOutcome.EXPIRED ? List.of() : List.of("approver-1"),
        Instant.now());
  }

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
