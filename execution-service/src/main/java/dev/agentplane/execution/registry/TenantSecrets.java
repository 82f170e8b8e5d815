package dev.agentplane.execution.registry;

import java.util.Optional;

/**
 * Secret values of a tenant, released by the registry at the moment they are needed (an HTTP tool's
 * header, a model's API key, an MCP server's token). Values are never stored in checkpoints, events
 * or logs, so callers use them and let them go.
 */
public interface TenantSecrets {

  /**
   * The secret's current value, empty when the tenant has no secret of that name.
   *
   * @throws RegistryUnavailableException when the registry cannot be asked
   */
  Optional<String> reveal(String tenantId, String name);
}
