package dev.agentplane.execution.loop;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * How the journal writes step commits ({@code agentplane.execution.journal.*}).
 *
 * @param writers threads writing group commits, each with one database connection while it writes;
 *     0 writes every commit in its worker's own transaction (no grouping)
 * @param maxBatch most step commits one transaction carries
 */
@ConfigurationProperties("agentplane.execution.journal")
public record JournalSettings(
    @Bindable(defaultValue = "2") int writers, @Bindable(defaultValue = "64") int maxBatch) {}
