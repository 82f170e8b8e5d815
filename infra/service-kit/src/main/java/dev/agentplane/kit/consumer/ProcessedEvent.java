package dev.agentplane.kit.consumer;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** A row of the processed-event ledger. */
@MappedEntity("processed_event")
record ProcessedEvent(
    @Id String eventId, String consumer, String tenantId, String topic, Instant processedAt) {}
