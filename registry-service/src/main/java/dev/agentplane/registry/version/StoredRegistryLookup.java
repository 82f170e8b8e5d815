package dev.agentplane.registry.version;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.registry.secret.Secrets;
import dev.agentplane.registry.tenant.TenantPolicies;
import dev.agentplane.registry.tenant.TenantPolicy;
import dev.agentplane.registry.validation.RegistryLookup;
import jakarta.inject.Singleton;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The validation pipeline's view of a tenant's registry, read from PostgreSQL. */
@Singleton
class StoredRegistryLookup implements RegistryLookup {

  private final ResourceRepository resources;
  private final Secrets secrets;
  private final TenantPolicies policies;

  StoredRegistryLookup(ResourceRepository resources, Secrets secrets, TenantPolicies policies) {
    this.resources = resources;
    this.secrets = secrets;
    this.policies = policies;
  }

  @Override
  public Optional<Map<Integer, ToolVersionFacts>> toolVersions(String tenantId, String toolName) {
    List<ResourceRepository.NamedVersion> versions =
        resources.listVersionsByNames(tenantId, ResourceKind.TOOL, List.of(toolName));
    if (versions.isEmpty()) {
      return Optional.empty();
    }
    Map<Integer, ToolVersionFacts> facts = new LinkedHashMap<>();
    for (ResourceRepository.NamedVersion named : versions) {
      ResourceVersion version = named.version();
      facts.put(
          version.version(),
          new ToolVersionFacts(version.version(), version.status(), version.spec()));
    }
    return Optional.of(facts);
  }

  @Override
  public Optional<JsonNode> agentSpecForReference(String tenantId, String agentName) {
    List<ResourceRepository.NamedVersion> versions =
        resources.listVersionsByNames(tenantId, ResourceKind.AGENT, List.of(agentName));
    return versions.stream()
        .map(ResourceRepository.NamedVersion::version)
        .max(
            Comparator.comparing((ResourceVersion v) -> v.status() == VersionStatus.ACTIVE)
                .thenComparingInt(ResourceVersion::version))
        .map(ResourceVersion::spec);
  }

  @Override
  public boolean secretExists(String tenantId, String secretName) {
    return secrets.exists(tenantId, secretName);
  }

  @Override
  public TenantPolicy policy(String tenantId) {
    return policies.policy(tenantId);
  }
}
