package dev.agentplane.registry.tool;

import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.registry.version.ResourceQueries;
import dev.agentplane.registry.version.VersionLifecycle;
import dev.agentplane.registry.version.VersionedResourceController;
import io.micronaut.http.annotation.Controller;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/** {@code /v1/tools}: the tools agents may call, versioned. */
@Controller("/v1/tools")
@Secured(SecurityRule.IS_AUTHENTICATED)
class ToolController extends VersionedResourceController {

  ToolController(VersionLifecycle lifecycle, ResourceQueries queries) {
    super(ResourceKind.TOOL, lifecycle, queries);
  }
}
