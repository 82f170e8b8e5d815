package dev.agentplane.registry.version;

import dev.agentplane.contracts.ResourceKind;
import java.time.Instant;
import java.util.UUID;

/** An agent or a tool of a tenant: a unique name and, separately, its numbered versions. */
public record Resource(
    UUID id,
    String tenantId,
    ResourceKind kind,
    String name,
    String createdBy,
    Instant createdAt,
    Instant archivedAt) {

  public boolean isArchived() {
    return archivedAt != null;
  }
}
