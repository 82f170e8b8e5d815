package dev.agentplane.execution.loop;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Limits of the agent loop ({@code agentplane.execution.loop.*}); an agent's {@code policy} sets
 * its own {@code maxSteps}, {@code timeoutSeconds} and {@code tokenBudget}, these apply when it
 * does not.
 *
 * @param defaultMaxSteps steps (model calls plus tool calls) a run may take
 * @param defaultTimeout how long a run may take from its first claim
 * @param modelTimeout one model call, including the provider's retries
 * @param toolTimeout one tool call (an HTTP tool's own {@code timeoutMs} may be shorter)
 * @param deltaFlushEvery how often streamed model text is written as one {@code model.delta} event
 * @param maxDepth how deep agent-typed tools may nest child runs
 */
@ConfigurationProperties("agentplane.execution.loop")
public record LoopSettings(
    @Bindable(defaultValue = "25") int defaultMaxSteps,
    @Bindable(defaultValue = "10m") Duration defaultTimeout,
    @Bindable(defaultValue = "120s") Duration modelTimeout,
    @Bindable(defaultValue = "60s") Duration toolTimeout,
    @Bindable(defaultValue = "150ms") Duration deltaFlushEvery,
    @Bindable(defaultValue = "3") int maxDepth) {}
