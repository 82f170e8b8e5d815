package dev.agentplane.kit.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Outbox relay knobs ({@code agentplane.outbox.*}).
 *
 * @param relayEnabled whether this instance relays (any number may; one relays at a time)
 * @param batchSize rows read and published per transaction
 * @param pollInterval how long an idle relay waits before looking again (a commit wakes it early)
 * @param maxBackoff the longest wait before retrying a row that failed to publish
 * @param retention how long published rows are kept for inspection before they are deleted
 */
@ConfigurationProperties("agentplane.outbox")
public record OutboxSettings(
    @Bindable(defaultValue = "true") boolean relayEnabled,
    @Bindable(defaultValue = "200") @Min(1) @Max(10_000) int batchSize,
    @Bindable(defaultValue = "250ms") @NotNull Duration pollInterval,
    @Bindable(defaultValue = "60s") @NotNull Duration maxBackoff,
    @Bindable(defaultValue = "7d") @NotNull Duration retention) {}
