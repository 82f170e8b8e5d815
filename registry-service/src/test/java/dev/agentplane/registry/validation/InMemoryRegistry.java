package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.registry.tenant.TenantPolicy;
import dev.agentplane.registry.version.VersionStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A tenant's registry as plain maps: the validation pipeline is a pure unit, so its one
 * collaborator is a fake rather than PostgreSQL. Holds one tenant; asking about another finds
 * nothing, which also proves the pipeline passes the tenant id through.
 */
final class InMemoryRegistry implements RegistryLookup {

  static final String TENANT = "acme";

  private final Map<String, Map<Integer, ToolVersionFacts>> tools = new HashMap<>();
  private final Map<String, JsonNode> agents = new HashMap<>();
  private final Set<String> secrets = new HashSet<>();
  private final List<String> allowlist = new ArrayList<>();
  private int maxSteps = 50;
  private int maxTimeoutSeconds = 600;
  private long maxTokenBudget = 200_000;

  static InMemoryRegistry aRegistry() {
    return new InMemoryRegistry();
  }

  InMemoryRegistry withTool(String name, int version, VersionStatus status, JsonNode spec) {
    tools
        .computeIfAbsent(name, unused -> new HashMap<>())
        .put(version, new ToolVersionFacts(version, status, spec));
    return this;
  }

  InMemoryRegistry withActiveTool(String name, JsonNode spec) {
    return withTool(name, 1, VersionStatus.ACTIVE, spec);
  }

  InMemoryRegistry withAgent(String name, JsonNode spec) {
    agents.put(name, spec);
    return this;
  }

  InMemoryRegistry withSecret(String name) {
    secrets.add(name);
    return this;
  }

  InMemoryRegistry allowingHost(String host) {
    allowlist.add(host);
    return this;
  }

  InMemoryRegistry withCeilings(int maxSteps, int maxTimeoutSeconds, long maxTokenBudget) {
    this.maxSteps = maxSteps;
    this.maxTimeoutSeconds = maxTimeoutSeconds;
    this.maxTokenBudget = maxTokenBudget;
    return this;
  }

  @Override
  public Optional<Map<Integer, ToolVersionFacts>> toolVersions(String tenantId, String toolName) {
    if (!TENANT.equals(tenantId) || !tools.containsKey(toolName)) {
      return Optional.empty();
    }
    return Optional.of(Map.copyOf(tools.get(toolName)));
  }

  @Override
  public Optional<JsonNode> agentSpecForReference(String tenantId, String agentName) {
    return TENANT.equals(tenantId) ? Optional.ofNullable(agents.get(agentName)) : Optional.empty();
  }

  @Override
  public boolean secretExists(String tenantId, String secretName) {
    return TENANT.equals(tenantId) && secrets.contains(secretName);
  }

  @Override
  public TenantPolicy policy(String tenantId) {
    return new TenantPolicy(maxSteps, maxTimeoutSeconds, maxTokenBudget, allowlist, false);
  }
}
