package dev.agentplane.execution.stream;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Run event streams ({@code agentplane.execution.stream.*}).
 *
 * @param keepAlive a stream quiet for this long gets an SSE comment, so intermediaries that close
 *     idle connections leave it open
 */
@ConfigurationProperties("agentplane.execution.stream")
public record StreamSettings(@Bindable(defaultValue = "15s") Duration keepAlive) {}
