package dev.agentplane.registry.version;

import dev.agentplane.contracts.RegistryLifecycleEvent;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionActivated;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionArchived;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionDrafted;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionReviewRejected;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionSubmittedForReview;
import dev.agentplane.contracts.ResourceKind;
import java.time.Instant;
import java.util.UUID;

/** The {@code agentplane.registry.lifecycle} event for each move of a version. */
final class LifecycleEvents {

  private static final int SCHEMA_VERSION = 1;

  /** A lifecycle event's constructor, over the fields every one of them has. */
  @FunctionalInterface
  private interface Maker {
    RegistryLifecycleEvent make(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String tenantId,
        ResourceKind resourceKind,
        UUID resourceId,
        String name,
        int version,
        String specHash,
        String actor);
  }

  private LifecycleEvents() {}

  static RegistryLifecycleEvent drafted(Resource resource, ResourceVersion version, String actor) {
    return stamp(VersionDrafted::new, resource, version, actor);
  }

  static RegistryLifecycleEvent submittedForReview(
      Resource resource, ResourceVersion version, String actor) {
    return stamp(VersionSubmittedForReview::new, resource, version, actor);
  }

  static RegistryLifecycleEvent activated(
      Resource resource, ResourceVersion version, String actor, Integer previousActiveVersion) {
    return stamp(
        (id, at, schema, tenant, kind, resourceId, name, number, hash, by) ->
            new VersionActivated(
                id,
                at,
                schema,
                tenant,
                kind,
                resourceId,
                name,
                number,
                hash,
                by,
                previousActiveVersion),
        resource,
        version,
        actor);
  }

  static RegistryLifecycleEvent archived(Resource resource, ResourceVersion version, String actor) {
    return stamp(VersionArchived::new, resource, version, actor);
  }

  static RegistryLifecycleEvent reviewRejected(
      Resource resource, ResourceVersion version, String actor, String reason) {
    return stamp(
        (id, at, schema, tenant, kind, resourceId, name, number, hash, by) ->
            new VersionReviewRejected(
                id, at, schema, tenant, kind, resourceId, name, number, hash, by, reason),
        resource,
        version,
        actor);
  }

  private static RegistryLifecycleEvent stamp(
      Maker maker, Resource resource, ResourceVersion version, String actor) {
    return maker.make(
        UUID.randomUUID(),
        Instant.now(),
        SCHEMA_VERSION,
        resource.tenantId(),
        resource.kind(),
        resource.id(),
        resource.name(),
        version.version(),
        version.specHash(),
        actor);
  }
}
