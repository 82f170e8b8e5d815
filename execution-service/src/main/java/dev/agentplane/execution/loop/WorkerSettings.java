package dev.agentplane.execution.loop;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * How this instance runs runs ({@code agentplane.execution.workers.*}).
 *
 * @param concurrency runs executing at once on this instance (each on its own virtual thread)
 * @param backlog run ids waiting for a free slot; beyond it, the sweeper finds them later
 * @param leaseDuration how long a claim holds without renewal; a dead worker's runs are taken over
 *     after it
 * @param renewEvery how often held leases are extended (well under {@code leaseDuration})
 * @param sweepEvery how often expired leases and unclaimed runs are looked for
 * @param unclaimedAfter a queued run nobody claimed for this long is picked up by the sweeper (a
 *     lost Kafka delivery, a full backlog)
 * @param sweepBatch runs the sweeper picks per round
 * @param eagerStart whether a run accepted on this instance starts here at once, as Temporal's
 *     eager workflow start does, rather than after its dispatch message's trip through Kafka; a
 *     dispatch message then goes out only when this instance has no free slot (any instance may
 *     take the run)
 */
@ConfigurationProperties("agentplane.execution.workers")
public record WorkerSettings(
    @Bindable(defaultValue = "64") int concurrency,
    @Bindable(defaultValue = "10000") int backlog,
    @Bindable(defaultValue = "30s") Duration leaseDuration,
    @Bindable(defaultValue = "10s") Duration renewEvery,
    @Bindable(defaultValue = "5s") Duration sweepEvery,
    @Bindable(defaultValue = "15s") Duration unclaimedAfter,
    @Bindable(defaultValue = "200") int sweepBatch,
    @Bindable(defaultValue = "true") boolean eagerStart) {}
