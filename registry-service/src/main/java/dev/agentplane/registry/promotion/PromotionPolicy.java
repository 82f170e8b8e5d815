package dev.agentplane.registry.promotion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.registry.tenant.TenantPolicy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a valid draft may go live on its own. An assistant whose tools are all low or
 * medium risk, or a low/medium-risk tool that cannot delete, activates at once; an orchestrator, a
 * high-risk tool, a {@code DELETE} tool, an agent using a high-risk tool, or a tenant whose rule is
 * to review everything waits for a human.
 */
@Singleton
public class PromotionPolicy {

  private static final Set<String> HIGH_RISK_METHODS = Set.of("DELETE");

  /**
   * @param spec the version being promoted (already valid)
   * @param referencedTools for an agent, the spec of each tool version it will run, by tool name;
   *     empty for a tool
   */
  public PromotionDecision decide(
      ResourceKind kind,
      JsonNode spec,
      Map<String, JsonNode> referencedTools,
      TenantPolicy tenant) {
    List<String> reasons = new ArrayList<>();
    if (tenant.reviewAllPromotions()) {
      reasons.add("the tenant reviews every promotion");
    }
    switch (kind) {
      case TOOL -> reasons.addAll(toolReasons("this tool", spec));
      case AGENT -> {
        if ("orchestrator".equals(spec.path("kind").asText())) {
          reasons.add("orchestrator agents always need review");
        }
        referencedTools.forEach(
            (name, toolSpec) -> {
              if ("high".equals(toolSpec.path("risk").asText())) {
                reasons.add("uses high-risk tool " + name);
              }
            });
      }
    }
    return reasons.isEmpty()
        ? new PromotionDecision.ActivateNow()
        : new PromotionDecision.AwaitReview(reasons);
  }

  private static List<String> toolReasons(String what, JsonNode spec) {
    List<String> reasons = new ArrayList<>();
    if ("high".equals(spec.path("risk").asText())) {
      reasons.add(what + " is high risk");
    }
    String method = spec.path("http").path("method").asText("");
    if ("http".equals(spec.path("type").asText()) && HIGH_RISK_METHODS.contains(method)) {
      reasons.add(what + " calls HTTP " + method);
    }
    return reasons;
  }
}
