package dev.agentplane.execution.stream;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Run event streams ({@code agentplane.execution.stream.*}).
 *
 * @param keepAlive a stream quiet for this long gets an SSE comment, so intermediaries that close
 *     idle connections leave it open
 * @param pollEvery how often this instance looks for new events of the runs it streams or waits for
 *     that another instance executes (one query for all of them); runs executing here are woken at
 *     their commit
 */
@ConfigurationProperties("agentplane.execution.stream")
public record StreamSettings(
    @Bindable(defaultValue = "15s") Duration keepAlive,
    @Bindable(defaultValue = "100ms") Duration pollEvery) {}
