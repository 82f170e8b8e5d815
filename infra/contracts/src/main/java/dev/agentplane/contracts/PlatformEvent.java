package dev.agentplane.contracts;

import java.time.Instant;
import java.util.UUID;

/**
 * A fact one service publishes for others, carried as the {@code data} of a CloudEvent; sealed so
 * that every payload is known here, with its type ({@link EventTypes}) and its JSON schema ({@link
 * EventSchemas}).
 */
public sealed interface PlatformEvent
    permits RegistryLifecycleEvent, RunRequested, RunEvent, ApprovalRequested, ApprovalDecided {

  /** Unique per event; becomes the CloudEvent {@code id}, which idempotent consumers record. */
  UUID eventId();

  /** When the fact happened; becomes the CloudEvent {@code time}. */
  Instant occurredAt();

  /** Version of this type's payload schema; 1 for every type until a schema changes. */
  int schemaVersion();

  /** The tenant the fact belongs to; repeated as the CloudEvent {@code tenantid} extension. */
  String tenantId();

  /**
   * The Kafka record key: the id of the aggregate the event is about, so that one aggregate's
   * events stay in order on one partition.
   */
  String aggregateId();
}
