package dev.agentplane.registry.version;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The API's shapes for resources and versions. */
public final class VersionViews {

  private VersionViews() {}

  /** One version, whole. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record VersionView(
      UUID resourceId,
      String name,
      int version,
      String status,
      JsonNode spec,
      String specHash,
      String etag,
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

    public static VersionView of(Resource resource, ResourceVersion v) {
      return new VersionView(
          resource.id(),
          resource.name(),
          v.version(),
          v.status().wireValue(),
          v.spec(),
          v.specHash(),
          v.etag(),
          v.clonedFrom(),
          v.createdBy(),
          v.createdAt(),
          v.updatedBy(),
          v.updatedAt(),
          v.submittedBy(),
          v.submittedAt(),
          v.promotedBy(),
          v.promotedAt(),
          v.archivedBy(),
          v.archivedAt(),
          v.reviewApprovalId(),
          v.reviewReason());
    }
  }

  /** A version in a resource's list of versions. */
  @Serdeable
  public record VersionSummary(
      int version, String status, String specHash, Instant createdAt, Instant updatedAt) {

    static VersionSummary of(ResourceVersion v) {
      return new VersionSummary(
          v.version(), v.status().wireValue(), v.specHash(), v.createdAt(), v.updatedAt());
    }
  }

  /** An agent or tool; {@code versions} only when one resource is read. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResourceView(
      UUID id,
      String name,
      String createdBy,
      Instant createdAt,
      Instant archivedAt,
      Integer activeVersion,
      int latestVersion,
      List<VersionSummary> versions) {}

  /** A page of a list, and the cursor of the next page (absent on the last). */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResourcePage(List<ResourceView> items, String nextCursor) {}

  /**
   * What {@code :promote} did.
   *
   * @param outcome {@code activated} or {@code pending_approval}
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PromotionView(
      String outcome, VersionView version, List<String> reviewReasons, UUID approvalId) {}
}
