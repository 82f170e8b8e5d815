package dev.agentplane.execution.loop;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * How the journal writes step commits ({@code agentplane.execution.journal.*}).
 *
 * @param writers threads writing group commits, each with one database connection while it writes;
 *     0 writes every commit in its worker's own transaction (no grouping)
 * @param maxBatch most step commits one transaction carries
 * @param commitAttempts tries of a commit that PostgreSQL fails transiently (a serialization
 *     failure, a deadlock, a lost connection) before the worker gives the run up
 * @param retryBackoff the wait before the second try, doubled before each next one (jittered)
 */
@ConfigurationProperties("agentplane.execution.journal")
public record JournalSettings(
    @Bindable(defaultValue = "2") int writers,
    @Bindable(defaultValue = "64") int maxBatch,
    @Bindable(defaultValue = "5") int commitAttempts,
    @Bindable(defaultValue = "10ms") Duration retryBackoff) {}
