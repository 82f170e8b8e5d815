package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundSecrets.Description;
import dev.agentplane.approval.inbound.InboundSecrets.Issued;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/**
 * {@code /v1/webhooks/inbound-secret}: a tenant's admins make (and later rotate) the secret its
 * integrations sign inbound decisions with. The secret is in the answer to the POST and nowhere
 * else, ever.
 */
@Controller("/v1/webhooks/inbound-secret")
@Secured(SecurityRule.IS_AUTHENTICATED)
class InboundSecretController {

  private final InboundSecrets secrets;

  InboundSecretController(InboundSecrets secrets) {
    this.secrets = secrets;
  }

  @Post
  HttpResponse<Issued> rotate(TenantPrincipal principal) {
    principal.require(Role.ADMIN);
    return HttpResponse.created(secrets.rotate(principal.tenantId()))
        .header("Cache-Control", "no-store");
  }

  @Get
  Description describe(TenantPrincipal principal) {
    principal.require(Role.ADMIN);
    return secrets
        .describe(principal.tenantId())
        .orElseThrow(
            () ->
                new NotFoundException(
                    "The tenant has no inbound decision secret yet; POST to make one."));
  }
}
