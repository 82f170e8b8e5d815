package dev.agentplane.registry.version;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * One numbered version of an agent or tool: its spec, where it stands in the lifecycle, and who
 * moved it there when.
 */
public record ResourceVersion(
    UUID resourceId,
    int version,
    String tenantId,
    VersionStatus status,
    JsonNode spec,
    String specHash,
    int revision,
    Integer clonedFrom,
    String createdBy,
    Instant createdAt,
    String updatedBy,
    Instant updatedAt,
    String submittedBy,
    Instant submittedAt,
    String promotedBy,
    Instant promotedAt,
    String archivedBy,
    Instant archivedAt,
    UUID reviewApprovalId,
    String reviewReason) {

  /**
   * Strong entity tag (RFC 9110 § 8.8.3): changes whenever anything about the row changes, so an
   * {@code If-Match} that still matches proves the client saw the current state.
   */
  public String etag() {
    return "\"" + resourceId + "." + version + "." + revision + "\"";
  }

  /** A fresh draft, version {@code number} of the resource. */
  static ResourceVersion draft(
      Resource resource, int number, JsonNode spec, Integer clonedFrom, String by, Instant at) {
    return new ResourceVersion(
        resource.id(),
        number,
        resource.tenantId(),
        VersionStatus.DRAFT,
        spec,
        SpecJson.hash(spec),
        1,
        clonedFrom,
        by,
        at,
        by,
        at,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** This draft with a new spec. */
  ResourceVersion edited(JsonNode newSpec, String by, Instant at) {
    return new ResourceVersion(
        resourceId,
        version,
        tenantId,
        status,
        newSpec,
        SpecJson.hash(newSpec),
        revision,
        clonedFrom,
        createdBy,
        createdAt,
        by,
        at,
        submittedBy,
        submittedAt,
        promotedBy,
        promotedAt,
        archivedBy,
        archivedAt,
        reviewApprovalId,
        reviewReason);
  }

  /**
   * This version moved to {@code target}, stamped with who and when; a review's approval id and
   * reason are set by the caller through {@code approvalId} and {@code reason} (null keeps them).
   */
  ResourceVersion movedTo(
      VersionStatus target, String by, Instant at, UUID approvalId, String reason) {
    if (!status.canMoveTo(target)) {
      throw new IllegalStateException(status + " cannot move to " + target);
    }
    boolean submitted = target == VersionStatus.PENDING_APPROVAL;
    boolean promoted = target == VersionStatus.ACTIVE;
    boolean archived = target == VersionStatus.ARCHIVED;
    return new ResourceVersion(
        resourceId,
        version,
        tenantId,
        target,
        spec,
        specHash,
        revision,
        clonedFrom,
        createdBy,
        createdAt,
        by,
        at,
        submitted ? by : submittedBy,
        submitted ? at : submittedAt,
        promoted ? by : promotedBy,
        promoted ? at : promotedAt,
        archived ? by : archivedBy,
        archived ? at : archivedAt,
        approvalId != null ? approvalId : reviewApprovalId,
        reason != null ? reason : reviewReason);
  }
}
