package dev.agentplane.registry.tenant;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Each tenant's {@link TenantPolicy}: the defaults under {@code
 * agentplane.registry.tenant-defaults}, overridden field by field for a tenant under {@code
 * agentplane.registry.tenants.<tenant id>}. Operator configuration, not an API: who may raise a
 * tenant's ceilings is an operator decision.
 */
@Singleton
public class TenantPolicies {

  /** The defaults every tenant gets. */
  @ConfigurationProperties("agentplane.registry.tenant-defaults")
  public record Defaults(
      @Nullable Integer maxSteps,
      @Nullable Integer maxTimeoutSeconds,
      @Nullable Long maxTokenBudget,
      @Nullable List<String> httpHostAllowlist,
      @Nullable Boolean reviewAllPromotions) {}

  /** One tenant's overrides; unset fields keep the defaults. */
  @EachProperty("agentplane.registry.tenants")
  public record Override(
      @Parameter String tenantId,
      @Nullable Integer maxSteps,
      @Nullable Integer maxTimeoutSeconds,
      @Nullable Long maxTokenBudget,
      @Nullable List<String> httpHostAllowlist,
      @Nullable Boolean reviewAllPromotions) {}

  private final TenantPolicy defaults;
  private final Map<String, TenantPolicy> byTenant;

  public TenantPolicies(Defaults defaults, List<Override> overrides) {
    this.defaults =
        new TenantPolicy(
            orElse(defaults.maxSteps(), 50),
            orElse(defaults.maxTimeoutSeconds(), 3600),
            orElse(defaults.maxTokenBudget(), 1_000_000L),
            orElse(defaults.httpHostAllowlist(), List.of()),
            orElse(defaults.reviewAllPromotions(), false));
    this.byTenant =
        overrides.stream()
            .collect(Collectors.toUnmodifiableMap(Override::tenantId, this::withDefaults));
  }

  public TenantPolicy policy(String tenantId) {
    return byTenant.getOrDefault(tenantId, defaults);
  }

  private TenantPolicy withDefaults(Override override) {
    return new TenantPolicy(
        orElse(override.maxSteps(), defaults.maxSteps()),
        orElse(override.maxTimeoutSeconds(), defaults.maxTimeoutSeconds()),
        orElse(override.maxTokenBudget(), defaults.maxTokenBudget()),
        orElse(override.httpHostAllowlist(), defaults.httpHostAllowlist()),
        orElse(override.reviewAllPromotions(), defaults.reviewAllPromotions()));
  }

  private static <T> T orElse(@Nullable T value, T fallback) {
    return value == null ? fallback : value;
  }
}
