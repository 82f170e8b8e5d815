package dev.agentplane.contracts;

import java.time.Instant;
import java.util.UUID;

/**
 * A step in the lifecycle of an agent or tool version ({@code draft → active → archived}, with a
 * review in between when promotion policy asks for one), on {@link Topics#REGISTRY_LIFECYCLE},
 * keyed by resource id.
 */
public sealed interface RegistryLifecycleEvent extends PlatformEvent {

  ResourceKind resourceKind();

  UUID resourceId();

  /** The resource's name, unique per tenant and kind. */
  String name();

  int version();

  /** Digest of the version's spec, so that caches can tell whether what they hold is current. */
  String specHash();

  /** Subject of the principal who caused the change ({@code system} for automatic ones). */
  String actor();

  @Override
  default String aggregateId() {
    return resourceId().toString();
  }

  /** Registry emits when a draft version is created; audit and caches consume. */
  @EventType("dev.agentplane.registry.version.drafted")
  record VersionDrafted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      ResourceKind resourceKind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      String actor)
      implements RegistryLifecycleEvent {}

  /**
   * Registry emits when a promotion needs review and the version waits in {@code pending_approval};
   * audit and caches consume (the review itself is an {@link ApprovalRequested}).
   */
  @EventType("dev.agentplane.registry.version.submitted_for_review")
  record VersionSubmittedForReview(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      ResourceKind resourceKind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      String actor)
      implements RegistryLifecycleEvent {}

  /**
   * Registry emits when a version becomes the active one; caches and execution consume.
   *
   * @param previousActiveVersion the version archived by this promotion, null for the first
   */
  @EventType("dev.agentplane.registry.version.activated")
  record VersionActivated(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      ResourceKind resourceKind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      String actor,
      Integer previousActiveVersion)
      implements RegistryLifecycleEvent {}

  /** Registry emits when a version is archived (superseded or retired); caches consume. */
  @EventType("dev.agentplane.registry.version.archived")
  record VersionArchived(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      ResourceKind resourceKind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      String actor)
      implements RegistryLifecycleEvent {}

  /**
   * Registry emits when a review rejects a promotion, so the version does not become active; audit
   * consumes.
   *
   * @param reason the reviewer's reason, null when none was given
   */
  @EventType("dev.agentplane.registry.version.review_rejected")
  record VersionReviewRejected(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      ResourceKind resourceKind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      String actor,
      String reason)
      implements RegistryLifecycleEvent {}
}
