package dev.agentplane.registry.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.UUID;

/**
 * An agent version with every tool version it runs, each pinned to a number and a {@code specHash}:
 * what the execution service snapshots into a run.
 *
 * @param mode {@code production} or {@code debug}
 */
@Serdeable
public record ResolvedAgentView(String mode, ResolvedVersion agent, List<ResolvedVersion> tools) {

  /**
   * One resolved version.
   *
   * @param reference for a tool, how the agent referred to it ({@code search@active}); null for the
   *     agent itself
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResolvedVersion(
      String reference,
      UUID resourceId,
      String name,
      int version,
      String status,
      String specHash,
      JsonNode spec) {}
}
