package dev.agentplane.registry.version;

import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.consumer.IdempotentConsumer;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hears approval decisions and hands promotion reviews to {@link VersionLifecycle}; decisions about
 * tool calls are the execution service's and are skipped (but recorded, so they are seen once).
 */
@KafkaListener(groupId = "registry-service", offsetReset = OffsetReset.EARLIEST)
class ReviewDecisionListener {

  static final String CONSUMER = "registry.promotion-reviews";

  private final IdempotentConsumer consumer;
  private final VersionLifecycle lifecycle;

  ReviewDecisionListener(IdempotentConsumer consumer, VersionLifecycle lifecycle) {
    this.consumer = consumer;
    this.lifecycle = lifecycle;
  }

  @Topic(Topics.APPROVALS_DECIDED)
  void receive(ConsumerRecord<String, byte[]> record) {
    consumer.process(
        CONSUMER,
        record,
        event -> {
          PlatformEvent decoded = EventEnvelope.unwrap(event);
          if (decoded instanceof ApprovalDecided decision
              && decision.kind() == ApprovalKind.PROMOTION) {
            lifecycle.applyReviewDecision(decision);
          }
        });
  }
}
