package dev.agentplane.registry.version;

import dev.agentplane.contracts.RegistryLifecycleEvent;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionActivated;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionArchived;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionDrafted;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionReviewRejected;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionSubmittedForReview;
import java.time.Instant;
import java.util.UUID;

/** The {@code agentplane.registry.lifecycle} event for each move of a version. */
final class LifecycleEvents {

  private static final int SCHEMA_VERSION = 1;

  private LifecycleEvents() {}

  static RegistryLifecycleEvent drafted(Resource resource, ResourceVersion version, String actor) {
    return new VersionDrafted(
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

  static RegistryLifecycleEvent submittedForReview(
      Resource resource, ResourceVersion version, String actor) {
    return new VersionSubmittedForReview(
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

  static RegistryLifecycleEvent activated(
      Resource resource, ResourceVersion version, String actor, Integer previousActiveVersion) {
    return new VersionActivated(
        UUID.randomUUID(),
        Instant.now(),
        SCHEMA_VERSION,
        resource.tenantId(),
        resource.kind(),
        resource.id(),
        resource.name(),
        version.version(),
        version.specHash(),
        actor,
        previousActiveVersion);
  }

  static RegistryLifecycleEvent archived(Resource resource, ResourceVersion version, String actor) {
    return new VersionArchived(
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

  static RegistryLifecycleEvent reviewRejected(
      Resource resource, ResourceVersion version, String actor, String reason) {
    return new VersionReviewRejected(
        UUID.randomUUID(),
        Instant.now(),
        SCHEMA_VERSION,
        resource.tenantId(),
        resource.kind(),
        resource.id(),
        resource.name(),
        version.version(),
        version.specHash(),
        actor,
        reason);
  }
}
