package dev.agentplane.gateway.edge;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.Set;

/**
 * Metrics and access log ({@code agentplane.gateway.telemetry.*}).
 *
 * @param namedTenants tenants always labelled by name in metrics
 * @param maxDynamicTenants how many further tenants, first come first named, get a label of their
 *     own; every other tenant is counted as {@code other}, so a tenant flood cannot explode the
 *     metric series
 * @param accessLog whether to write one access-log line per request
 */
@ConfigurationProperties("agentplane.gateway.telemetry")
public record TelemetrySettings(
    @Bindable(defaultValue = "") @NotNull Set<String> namedTenants,
    @Bindable(defaultValue = "20") @PositiveOrZero int maxDynamicTenants,
    @Bindable(defaultValue = "true") boolean accessLog) {}
