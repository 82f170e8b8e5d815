package dev.agentplane.execution.tool.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * HTTP tool knobs ({@code agentplane.execution.tools.http.*}).
 *
 * @param maxResponseBytes how much of a response body is read; the rest is cut and the result says
 *     so (a model's context is small, and a tool should not fill the worker's memory)
 * @param connectTimeout how long opening a connection may take (the call's timeout still bounds the
 *     whole exchange)
 */
@ConfigurationProperties("agentplane.execution.tools.http")
public record HttpToolSettings(
    @Bindable(defaultValue = "1048576") @Min(1) int maxResponseBytes,
    @Bindable(defaultValue = "10s") @NotNull Duration connectTimeout) {}
