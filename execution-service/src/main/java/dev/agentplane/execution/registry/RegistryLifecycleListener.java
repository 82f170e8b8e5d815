package dev.agentplane.execution.registry;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.Topics;
import io.cloudevents.CloudEvent;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hears the registry's lifecycle events on every instance (a consumer group of its own per
 * instance, from the newest offset: only changes from now on matter to a cache that starts empty)
 * and drops the tenant's cached resolutions. Nothing is written, so there is no ledger: hearing an
 * event twice forgets twice.
 */
@KafkaListener(
    groupId = "execution-service.agent-resolutions",
    uniqueGroupId = true,
    offsetReset = OffsetReset.LATEST)
class RegistryLifecycleListener {

  private final AgentResolutions resolutions;

  RegistryLifecycleListener(AgentResolutions resolutions) {
    this.resolutions = resolutions;
  }

  @Topic(Topics.REGISTRY_LIFECYCLE)
  void receive(ConsumerRecord<String, byte[]> record) {
    Object tenantId;
    try {
      CloudEvent event = EventEnvelope.fromKafka(record);
      tenantId = event.getExtension(EventEnvelope.TENANT_ID_EXTENSION);
    } catch (RuntimeException malformed) {
      tenantId = null;
    }
    if (tenantId == null) {
      resolutions.forgetAll();
    } else {
      resolutions.forgetTenant(tenantId.toString());
    }
  }
}
