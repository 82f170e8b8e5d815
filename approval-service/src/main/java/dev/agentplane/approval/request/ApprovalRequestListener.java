package dev.agentplane.approval.request;

import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PlatformEvent;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.consumer.IdempotentConsumer;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Hears requests for a human decision and hands them to {@link ApprovalRequests}. */
@KafkaListener(groupId = "approval-service", offsetReset = OffsetReset.EARLIEST)
class ApprovalRequestListener {

  static final String CONSUMER = "approval.requests";

  private final IdempotentConsumer consumer;
  private final ApprovalRequests requests;

  ApprovalRequestListener(IdempotentConsumer consumer, ApprovalRequests requests) {
    this.consumer = consumer;
    this.requests = requests;
  }

  @Topic(Topics.APPROVALS_REQUESTED)
  void receive(ConsumerRecord<String, byte[]> record) {
    consumer.process(
        CONSUMER,
        record,
        event -> {
          PlatformEvent decoded = EventEnvelope.unwrap(event);
          if (decoded instanceof ApprovalRequested request) {
            requests.openFromEvent(request);
          }
        });
  }
}
