package dev.agentplane.execution.tool.builtin;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Builtin tool knobs ({@code agentplane.execution.tools.builtin.*}).
 *
 * @param sleepMaximum the longest wait the {@code sleep} tool accepts; longer asks are refused
 */
@ConfigurationProperties("agentplane.execution.tools.builtin")
public record BuiltinToolSettings(@Bindable(defaultValue = "30s") @NotNull Duration sleepMaximum) {}
