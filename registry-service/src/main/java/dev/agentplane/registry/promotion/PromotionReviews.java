package dev.agentplane.registry.promotion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonDiff;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.ResourceKind;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes the approval request for a promotion that needs review: what is promoted, why it needs a
 * human, and the RFC 6902 diff against the version that is active now.
 */
@Singleton
public class PromotionReviews {

  /**
   * How promotion reviews are decided.
   *
   * @param requiredApprovals approvals needed (default 1)
   * @param expiresAfter how long a review stays open before it is rejected (default 7 days)
   */
  @ConfigurationProperties("agentplane.registry.review")
  public record ReviewSettings(
      @Nullable Integer requiredApprovals, @Nullable Duration expiresAfter) {}

  /** The version under review and what it replaces. */
  public record Candidate(
      ResourceKind kind,
      UUID resourceId,
      String name,
      int version,
      String specHash,
      JsonNode spec,
      @Nullable Integer activeVersion,
      @Nullable JsonNode activeSpec) {}

  private final int requiredApprovals;
  private final Duration expiresAfter;

  PromotionReviews(ReviewSettings settings) {
    this.requiredApprovals =
        settings.requiredApprovals() == null ? 1 : settings.requiredApprovals();
    this.expiresAfter =
        settings.expiresAfter() == null ? Duration.ofDays(7) : settings.expiresAfter();
  }

  public ApprovalRequested request(
      UUID approvalId,
      String tenantId,
      Candidate candidate,
      Requester requester,
      List<String> reasons,
      Instant now) {
    String kind = candidate.kind().name().toLowerCase(Locale.ROOT);
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode context = json.objectNode();
    context.put("resourceKind", kind);
    context.put("resourceId", candidate.resourceId().toString());
    context.put("name", candidate.name());
    context.put("version", candidate.version());
    context.put("specHash", candidate.specHash());
    context.set("reasons", json.arrayNode().addAll(reasons.stream().map(json::textNode).toList()));
    if (candidate.activeVersion() != null) {
      context.put("activeVersion", candidate.activeVersion());
    }
    JsonNode before = candidate.activeSpec() == null ? json.objectNode() : candidate.activeSpec();
    context.set("diff", JsonDiff.asJson(before, candidate.spec()));
    context.put(
        "link", "/v1/" + kind + "s/" + candidate.resourceId() + "/versions/" + candidate.version());
    return new ApprovalRequested(
        UUID.randomUUID(),
        now,
        1,
        tenantId,
        approvalId,
        ApprovalKind.PROMOTION,
        ApprovalSubject.promotion(candidate.kind(), candidate.resourceId(), candidate.version()),
        requester,
        "Promote " + kind + " " + candidate.name() + " v" + candidate.version(),
        "Promoting "
            + kind
            + " "
            + candidate.name()
            + " to version "
            + candidate.version()
            + " needs review: "
            + String.join("; ", reasons)
            + ".",
        context,
        new ApprovalPolicy(
            requiredApprovals,
            List.of("approver", "admin"),
            true,
            now.plus(expiresAfter),
            ExpiryOutcome.REJECT));
  }
}
