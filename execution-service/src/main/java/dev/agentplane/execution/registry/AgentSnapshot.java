package dev.agentplane.execution.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.kit.problem.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An agent version and every tool version it runs, as the registry resolved them when the run was
 * accepted. It is stored with the run ({@code resolved}: the registry's answer, verbatim) and never
 * asked for again, so edits in the registry never reach a run in flight.
 */
public record AgentSnapshot(JsonNode resolved, Version agent, List<Version> tools) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One resolved version: resource id, name, number, spec and its hash. */
  public record Version(UUID resourceId, String name, int version, String specHash, JsonNode spec) {

    static Version of(JsonNode node) {
      return new Version(
          UUID.fromString(node.path("resourceId").asText()),
          node.path("name").asText(),
          node.path("version").asInt(),
          node.path("specHash").asText(),
          node.path("spec"));
    }
  }

  public AgentSnapshot {
    tools = List.copyOf(tools);
  }

  /** Reads the registry's {@code resolved} answer (or the copy stored with a run). */
  public static AgentSnapshot of(JsonNode resolved) {
    List<Version> tools = new ArrayList<>();
    resolved.path("tools").forEach(tool -> tools.add(Version.of(tool)));
    return new AgentSnapshot(resolved, Version.of(resolved.path("agent")), tools);
  }

  /** The tool version the agent calls {@code name}, empty when it has no such tool. */
  public Optional<Version> tool(String name) {
    return tools.stream().filter(tool -> tool.name().equals(name)).findFirst();
  }

  public JsonNode spec() {
    return agent.spec();
  }

  static AgentSnapshot failIfConflict(String agent, String problemJson) {
    List<FieldError> errors = new ArrayList<>();
    String detail = "The agent " + agent + " cannot run";
    try {
      JsonNode problem = JSON.readTree(problemJson == null ? "{}" : problemJson);
      if (problem.hasNonNull("detail")) {
        detail = problem.path("detail").asText();
      }
      // A pinned version that cannot run is the request's version; anything else the registry
      // names is a place in the agent's spec.
      String under =
          problem.path("type").asText().endsWith("/version-not-runnable") ? "" : "/agent";
      problem
          .path("errors")
          .forEach(
              error ->
                  errors.add(
                      new FieldError(
                          under + error.path("pointer").asText(),
                          error.path("code").asText(),
                          error.path("message").asText())));
    } catch (JsonProcessingException unreadable) {
      // The registry's own words are lost, not the refusal: the run is still refused.
    }
    if (errors.isEmpty()) {
      // E.g. no active version: the agent itself is what cannot run.
      errors.add(new FieldError("/agent", "not_runnable", detail));
    }
    throw AgentNotResolvable.notRunnable(detail, errors);
  }
}
