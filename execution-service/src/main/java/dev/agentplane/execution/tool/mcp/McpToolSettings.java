package dev.agentplane.execution.tool.mcp;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * MCP tool knobs ({@code agentplane.execution.tools.mcp.*}).
 *
 * @param connectTimeout how long opening a connection to an MCP server may take
 * @param toolListTtl how long a server's tool list is trusted before it is asked again (a tool
 *     missing from a trusted list is always asked about again)
 * @param maxResultCharacters how much of a tool's text result is kept; the rest is cut and marked
 */
@ConfigurationProperties("agentplane.execution.tools.mcp")
public record McpToolSettings(
    @Bindable(defaultValue = "10s") @NotNull Duration connectTimeout,
    @Bindable(defaultValue = "60s") @NotNull Duration toolListTtl,
    @Bindable(defaultValue = "1048576") @Min(1) int maxResultCharacters) {}
