package dev.agentplane.gateway.ratelimit;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;

/**
 * One tier of limits ({@code agentplane.gateway.rate-limit.tiers.<name>.*}): how many requests a
 * whole tenant, and each principal in it, may make per window. Buckets refill greedily, so the
 * budget comes back smoothly rather than all at once at the window's end.
 */
@EachProperty("agentplane.gateway.rate-limit.tiers")
public record RateLimitTier(
    @Parameter String name,
    @Bindable(defaultValue = "3000") @Positive long tenantRequests,
    @Bindable(defaultValue = "1m") @NotNull Duration tenantWindow,
    @Bindable(defaultValue = "600") @Positive long principalRequests,
    @Bindable(defaultValue = "1m") @NotNull Duration principalWindow) {}
