package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.registry.validation.RegistryLookup.ToolVersionFacts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Follows agent-typed tools from agent to agent to find a chain that leads back to the agent being
 * validated, which would make a run call itself until its budget ran out.
 */
final class OrchestratorCycles {

  /** How many agents deep a chain is followed; deeper chains are reported, not walked. */
  static final int MAX_DEPTH = 32;

  /** What following one agent-typed tool found. */
  sealed interface Finding {
    record Cycle(List<String> path) implements Finding {}

    record TooDeep(List<String> path) implements Finding {}

    record None() implements Finding {}
  }

  private final String origin;
  private final ValidationRun run;

  private OrchestratorCycles(String origin, ValidationRun run) {
    this.origin = origin;
    this.run = run;
  }

  /** Follows the chain that starts with {@code origin} calling the agent {@code target}. */
  static Finding follow(String origin, String target, ValidationRun run) {
    List<String> path = new ArrayList<>(List.of(origin, target));
    return new OrchestratorCycles(origin, run).search(path, new HashSet<>());
  }

  /** The agent an agent-typed tool version calls; empty for other tools. */
  static Optional<String> calledAgent(ToolVersionFacts facts) {
    JsonNode spec = facts.spec();
    if (SpecFields.text(spec, "type").filter("agent"::equals).isEmpty()) {
      return Optional.empty();
    }
    return SpecFields.object(spec, "agent").flatMap(agent -> SpecFields.text(agent, "name"));
  }

  private Finding search(List<String> path, Set<String> visited) {
    String current = path.getLast();
    if (current.equals(origin)) {
      return new Finding.Cycle(List.copyOf(path));
    }
    if (path.size() > MAX_DEPTH) {
      return new Finding.TooDeep(List.copyOf(path));
    }
    // Each agent is expanded once: a second way into it finds nothing the first did not.
    if (!visited.add(current)) {
      return new Finding.None();
    }
    Optional<JsonNode> spec = run.lookup().agentSpecForReference(run.tenantId(), current);
    Optional<JsonNode> tools = spec.flatMap(found -> SpecFields.array(found, "tools"));
    if (tools.isEmpty()) {
      return new Finding.None();
    }
    Finding deepest = new Finding.None();
    for (JsonNode entry : tools.get()) {
      Optional<String> next = ToolReference.read(entry).flatMap(this::calledAgentOf);
      if (next.isEmpty()) {
        continue;
      }
      path.add(next.get());
      Finding finding = search(path, visited);
      path.removeLast();
      switch (finding) {
        case Finding.Cycle cycle -> {
          return cycle;
        }
        case Finding.TooDeep tooDeep -> deepest = tooDeep;
        case Finding.None none -> {}
      }
    }
    return deepest;
  }

  private Optional<String> calledAgentOf(ToolReference reference) {
    return run.lookup()
        .toolVersions(run.tenantId(), reference.name())
        .flatMap(versions -> reference.resolve(versions, run.purpose()))
        .flatMap(OrchestratorCycles::calledAgent);
  }

  static String describe(List<String> path) {
    return String.join(" → ", path);
  }
}
