package dev.agentplane.registry.version;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An agent's reference to a tool: a name and either a version number or {@code "active"}.
 *
 * @param pinnedVersion the version number, or null for "whichever version is active"
 * @param pointer where the reference sits in the agent's spec, e.g. {@code /tools/2}
 */
public record ToolReference(String name, Integer pinnedVersion, String pointer) {

  /** The references of a (valid) agent spec, in order. */
  public static List<ToolReference> of(JsonNode agentSpec) {
    List<ToolReference> references = new ArrayList<>();
    JsonNode tools = agentSpec.path("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      JsonNode version = tool.path("version");
      references.add(
          new ToolReference(
              tool.path("name").asText(),
              version.canConvertToInt() && version.isIntegralNumber() ? version.intValue() : null,
              "/tools/" + i));
    }
    return references;
  }

  /** The version this reference picks among a tool's versions, if any does. */
  public Optional<ResourceVersion> pick(List<ResourceVersion> versionsOfTheTool) {
    return versionsOfTheTool.stream()
        .filter(
            v ->
                pinnedVersion == null
                    ? v.status() == VersionStatus.ACTIVE
                    : v.version() == pinnedVersion)
        .findFirst();
  }

  /** How the reference reads in the spec: {@code name@3} or {@code name@active}. */
  public String label() {
    return name + "@" + (pinnedVersion == null ? "active" : pinnedVersion);
  }
}
