package dev.agentplane.kit.outbox;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** One event waiting in (or already sent from) the outbox. */
@MappedEntity("outbox_event")
record OutboxRow(
    @Id @GeneratedValue(GeneratedValue.Type.IDENTITY) Long id,
    UUID eventId,
    String tenantId,
    String topic,
    String messageKey,
    byte[] payload,
    String contentType,
    @Nullable String requestId,
    @Nullable String traceparent,
    Instant createdAt,
    @Nullable Instant publishedAt,
    int attempts,
    Instant nextAttemptAt,
    @Nullable String lastError) {}
