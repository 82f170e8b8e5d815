package dev.agentplane.registry.agent;

import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import dev.agentplane.registry.version.ResourceQueries;
import dev.agentplane.registry.version.VersionLifecycle;
import dev.agentplane.registry.version.VersionedResourceController;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;
import java.util.UUID;

/** {@code /v1/agents}: agents, versioned, and their resolution for runs. */
@Controller("/v1/agents")
@Secured(SecurityRule.IS_AUTHENTICATED)
class AgentController extends VersionedResourceController {

  private final AgentResolver resolver;

  AgentController(VersionLifecycle lifecycle, ResourceQueries queries, AgentResolver resolver) {
    super(ResourceKind.AGENT, lifecycle, queries);
    this.resolver = resolver;
  }

  /**
   * The agent version with every tool it runs, resolved; the agent by id or by name (one call for a
   * caller that only knows the name). Production: any reader or a platform service. Debug (drafts
   * allowed): builders, or a platform service acting for one.
   */
  @Get("/{id}/resolved")
  ResolvedAgentView resolved(
      TenantPrincipal principal,
      @PathVariable String id,
      @Nullable @QueryValue String version,
      @Nullable @QueryValue String mode) {
    AgentResolver.Mode resolveMode = mode(mode);
    boolean platformService = principal.isService() && principal.roles().contains(Role.INTERNAL);
    if (!platformService) {
      if (resolveMode == AgentResolver.Mode.DEBUG) {
        principal.require(Role.BUILDER);
      } else {
        principal.require(READERS);
      }
    }
    String requested = version == null ? "active" : version;
    return isUuid(id)
        ? resolver.resolve(principal.tenantId(), UUID.fromString(id), requested, resolveMode)
        : resolver.resolveByName(principal.tenantId(), id, requested, resolveMode);
  }

  private static boolean isUuid(String id) {
    try {
      UUID.fromString(id);
      return true;
    } catch (IllegalArgumentException byName) {
      return false;
    }
  }

  private static AgentResolver.Mode mode(String mode) {
    if (mode == null || mode.equals("production")) {
      return AgentResolver.Mode.PRODUCTION;
    }
    if (mode.equals("debug")) {
      return AgentResolver.Mode.DEBUG;
    }
    throw new BadRequestException(
        "mode must be production or debug",
        List.of(new FieldError("/mode", "invalid_value", "mode must be production or debug")));
  }
}
