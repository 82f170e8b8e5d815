package dev.agentplane.registry.tenant;

import java.util.List;

/**
 * What a tenant may register: ceilings for agent policies, the private hosts its HTTP tools may
 * call, and whether every promotion needs a human review.
 *
 * @param maxSteps ceiling for an agent's {@code policy.maxSteps}
 * @param maxTimeoutSeconds ceiling for an agent's {@code policy.timeoutSeconds}
 * @param maxTokenBudget ceiling for an agent's {@code policy.tokenBudget}
 * @param httpHostAllowlist host names or literal IPs an HTTP tool may target even though they are
 *     loopback, link-local or private (SSRF guard exceptions); exact, case-insensitive match
 * @param reviewAllPromotions the tenant's review rule: every promotion waits for a human
 */
public record TenantPolicy(
    int maxSteps,
    int maxTimeoutSeconds,
    long maxTokenBudget,
    List<String> httpHostAllowlist,
    boolean reviewAllPromotions) {

  public TenantPolicy {
    httpHostAllowlist = List.copyOf(httpHostAllowlist);
  }
}
