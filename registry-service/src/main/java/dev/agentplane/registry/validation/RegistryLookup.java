package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.registry.tenant.TenantPolicy;
import dev.agentplane.registry.version.VersionStatus;
import java.util.Map;
import java.util.Optional;

/**
 * What the validation pipeline needs to know about the rest of a tenant's registry. The service
 * implements it over PostgreSQL; the pipeline itself does no I/O of its own.
 */
public interface RegistryLookup {

  /** A version of a tool as the pipeline sees it. */
  record ToolVersionFacts(int version, VersionStatus status, JsonNode spec) {}

  /** Every version of the tenant's tool with this name, by version number; empty when none. */
  Optional<Map<Integer, ToolVersionFacts>> toolVersions(String tenantId, String toolName);

  /**
   * The spec that an agent-typed tool would run for the tenant's agent of this name: the active
   * version's, else the newest version's; empty when the tenant has no such agent.
   */
  Optional<JsonNode> agentSpecForReference(String tenantId, String agentName);

  boolean secretExists(String tenantId, String secretName);

  TenantPolicy policy(String tenantId);
}
