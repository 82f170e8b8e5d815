package dev.agentplane.execution.gate;

import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.run.RunAccepted;
import dev.agentplane.execution.run.RunDispatch;
import dev.agentplane.kit.consumer.IdempotentConsumer;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hears approval decisions and applies those about tool calls to their gates ({@link
 * ToolGates#decide}); promotion reviews are the registry's and are skipped (but recorded, so they
 * are seen once). A run whose last gate this closes is queued again, and offered to this instance's
 * workers once the decision committed.
 */
@KafkaListener(groupId = "execution-service.tool-gates", offsetReset = OffsetReset.EARLIEST)
class GateDecisionListener {

  static final String CONSUMER = "execution.tool-gate-decisions";

  private final IdempotentConsumer consumer;
  private final ToolGates gates;
  private final RunDispatch dispatch;

  GateDecisionListener(IdempotentConsumer consumer, ToolGates gates, RunDispatch dispatch) {
    this.consumer = consumer;
    this.gates = gates;
    this.dispatch = dispatch;
  }

  @Topic(Topics.APPROVALS_DECIDED)
  void receive(ConsumerRecord<String, byte[]> record) {
    AtomicReference<RunAccepted> queued = new AtomicReference<>();
    IdempotentConsumer.Outcome outcome =
        consumer.process(
            CONSUMER,
            record,
            event -> {
              PlatformEvent decoded = EventEnvelope.unwrap(event);
              if (decoded instanceof ApprovalDecided decision
                  && decision.kind() == ApprovalKind.TOOL_CALL) {
                gates
                    .decide(decision)
                    .ifPresent(runId -> queued.set(new RunAccepted(decision.tenantId(), runId)));
              }
            });
    if (outcome == IdempotentConsumer.Outcome.PROCESSED && queued.get() != null) {
      dispatch.offerLocally(queued.get().tenantId(), queued.get().runId());
    }
  }
}
