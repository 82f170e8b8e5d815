package dev.agentplane.execution.registry;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * How long intake trusts the registry's recent answers ({@code
 * agentplane.execution.registry.resolution-cache.*}); see {@link AgentResolutions}.
 *
 * @param enabled false asks the registry for every run
 * @param ttl the longest an answer is used without a lifecycle event to say it changed: the
 *     staleness bound when events are late
 * @param maximumSize answers kept at most (one per tenant, agent, version asked for and mode)
 */
@ConfigurationProperties("agentplane.execution.registry.resolution-cache")
public record ResolutionCacheSettings(
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "30s") Duration ttl,
    @Bindable(defaultValue = "10000") long maximumSize) {}
