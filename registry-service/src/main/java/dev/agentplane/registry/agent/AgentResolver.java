package dev.agentplane.registry.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.registry.agent.ResolvedAgentView.ResolvedVersion;
import dev.agentplane.registry.version.ResourceRepository;
import dev.agentplane.registry.version.ResourceRepository.VersionHead;
import dev.agentplane.registry.version.ToolReference;
import dev.agentplane.registry.version.VersionStatus;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Resolves an agent version and its tool references to exact versions. Production resolves only
 * active versions and names every reference that is not; debug also takes drafts and versions
 * pending review (never archived ones). Two queries per call; specs come from {@link SpecCache}.
 */
@Singleton
public class AgentResolver {

  /** Which versions a resolution may use. */
  public enum Mode {
    PRODUCTION,
    DEBUG
  }

  private final ResourceRepository resources;
  private final SpecCache specs;

  AgentResolver(ResourceRepository resources, SpecCache specs) {
    this.resources = resources;
    this.specs = specs;
  }

  /**
   * @param requested {@code active} or a version number
   */
  @ReadOnly
  public ResolvedAgentView resolve(String tenantId, UUID agentId, String requested, Mode mode) {
    return resolve(
        tenantId,
        resources.listVersionHeads(tenantId, ResourceKind.AGENT, agentId, List.of()),
        agentId.toString(),
        requested,
        mode);
  }

  /** As {@link #resolve(String, UUID, String, Mode)}, the agent named by its name. */
  @ReadOnly
  public ResolvedAgentView resolveByName(
      String tenantId, String agentName, String requested, Mode mode) {
    return resolve(
        tenantId,
        resources.listVersionHeads(tenantId, ResourceKind.AGENT, null, List.of(agentName)),
        agentName,
        requested,
        mode);
  }

  private ResolvedAgentView resolve(
      String tenantId,
      List<VersionHead> agentVersions,
      String agentReference,
      String requested,
      Mode mode) {
    if (agentVersions.isEmpty()) {
      throw new NotFoundException("No agent " + agentReference);
    }
    VersionHead agent = pickAgentVersion(agentVersions, requested, mode);
    JsonNode agentSpec = spec(tenantId, agent);
    List<ToolReference> references = ToolReference.of(agentSpec);
    Map<String, List<VersionHead>> toolVersions =
        resources
            .listVersionHeads(
                tenantId,
                ResourceKind.TOOL,
                null,
                references.stream().map(ToolReference::name).distinct().toList())
            .stream()
            .collect(Collectors.groupingBy(VersionHead::name));
    List<ResolvedVersion> tools = new ArrayList<>();
    List<FieldError> unresolved = new ArrayList<>();
    for (ToolReference reference : references) {
      Optional<VersionHead> picked =
          pickToolVersion(toolVersions.getOrDefault(reference.name(), List.of()), reference, mode);
      if (picked.isEmpty()) {
        unresolved.add(unresolvable(reference, toolVersions.get(reference.name()), mode));
        continue;
      }
      VersionHead tool = picked.get();
      tools.add(resolved(reference.label(), tool, spec(tenantId, tool)));
    }
    if (!unresolved.isEmpty()) {
      throw new ConflictException(
          "unresolvable-references",
          "Agent version "
              + agent.version()
              + " references tools that "
              + (mode == Mode.PRODUCTION ? "are not active" : "cannot run")
              + ": "
              + unresolved.stream().map(FieldError::message).toList(),
          unresolved);
    }
    return new ResolvedAgentView(
        mode.name().toLowerCase(java.util.Locale.ROOT),
        resolved(null, agent, agentSpec),
        List.copyOf(tools));
  }

  private VersionHead pickAgentVersion(List<VersionHead> versions, String requested, Mode mode) {
    if ("active".equals(requested)) {
      return versions.stream()
          .filter(v -> v.status() == VersionStatus.ACTIVE)
          .findFirst()
          .orElseThrow(
              () ->
                  new ConflictException(
                      "no-active-version",
                      "Agent " + versions.getFirst().name() + " has no active version"));
    }
    int number;
    try {
      number = Integer.parseInt(requested);
    } catch (NumberFormatException e) {
      throw new BadRequestException(
          "version must be active or a version number",
          List.of(
              new FieldError(
                  "/version", "invalid_value", "version must be active or a version number")));
    }
    VersionHead version =
        versions.stream()
            .filter(v -> v.version() == number)
            .findFirst()
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "No version " + number + " of agent " + versions.getFirst().name()));
    if (!usable(version.status(), mode)) {
      throw new ConflictException(
          "version-not-runnable",
          "Version "
              + number
              + " is "
              + version.status().wireValue()
              + "; "
              + (mode == Mode.PRODUCTION
                  ? "production runs only active versions"
                  : "archived versions never run"),
          List.of(
              new FieldError(
                  "/version",
                  "not_runnable",
                  "version " + number + " is " + version.status().wireValue())));
    }
    return version;
  }

  private static Optional<VersionHead> pickToolVersion(
      List<VersionHead> versions, ToolReference reference, Mode mode) {
    if (reference.pinnedVersion() != null) {
      return versions.stream()
          .filter(v -> v.version() == reference.pinnedVersion() && usable(v.status(), mode))
          .findFirst();
    }
    Optional<VersionHead> active =
        versions.stream().filter(v -> v.status() == VersionStatus.ACTIVE).findFirst();
    if (active.isPresent() || mode == Mode.PRODUCTION) {
      return active;
    }
    // Debug: a tool still being drafted runs as its newest version.
    return versions.stream()
        .filter(v -> usable(v.status(), mode))
        .max(Comparator.comparingInt(VersionHead::version));
  }

  private static boolean usable(VersionStatus status, Mode mode) {
    return mode == Mode.PRODUCTION
        ? status == VersionStatus.ACTIVE
        : status != VersionStatus.ARCHIVED;
  }

  private static FieldError unresolvable(
      ToolReference reference, List<VersionHead> versions, Mode mode) {
    String why;
    if (versions == null) {
      why = "no such tool";
    } else if (reference.pinnedVersion() == null) {
      why = "no active version";
    } else {
      why =
          versions.stream()
              .filter(v -> v.version() == reference.pinnedVersion())
              .findFirst()
              .map(v -> "version is " + v.status().wireValue())
              .orElse("no such version");
    }
    return new FieldError(
        reference.pointer(),
        mode == Mode.PRODUCTION ? "not_active" : "not_runnable",
        reference.label() + ": " + why);
  }

  private JsonNode spec(String tenantId, VersionHead head) {
    return specs.get(
        head.resourceId(),
        head.version(),
        head.revision(),
        () ->
            resources
                .findVersion(tenantId, head.resourceId(), head.version())
                .orElseThrow()
                .spec());
  }

  private static ResolvedVersion resolved(String reference, VersionHead head, JsonNode spec) {
    return new ResolvedVersion(
        reference,
        head.resourceId(),
        head.name(),
        head.version(),
        head.status().wireValue(),
        head.specHash(),
        spec);
  }
}
