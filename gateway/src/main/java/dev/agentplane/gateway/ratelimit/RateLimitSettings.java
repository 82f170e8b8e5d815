package dev.agentplane.gateway.ratelimit;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.Map;

/**
 * Rate limiting ({@code agentplane.gateway.rate-limit.*}).
 *
 * @param enabled whether requests are limited at all
 * @param store {@code memory} (per gateway instance) or {@code postgres} (one limit shared by every
 *     instance using the same database)
 * @param defaultTier the tier of a tenant not listed in {@code tenant-tiers}
 * @param tenantTiers tenant id to tier name
 * @param maxBuckets the most buckets the in-memory store keeps (least recently used go first)
 */
@ConfigurationProperties("agentplane.gateway.rate-limit")
public record RateLimitSettings(
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "memory") @NotNull Store store,
    @Bindable(defaultValue = "standard") @NotBlank String defaultTier,
    @Bindable(defaultValue = "") @NotNull Map<String, String> tenantTiers,
    @Bindable(defaultValue = "100000") @Min(1) long maxBuckets) {

  /** Where buckets live. */
  public enum Store {
    MEMORY,
    POSTGRES
  }

  public String tierOf(String tenant) {
    return tenantTiers.getOrDefault(tenant, defaultTier);
  }
}
