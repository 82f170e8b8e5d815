package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundSecrets.Description;
import dev.agentplane.approval.inbound.InboundSecrets.Issued;
import dev.agentplane.approval.webhook.WebhookSecrets;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.Set;

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

  /** The body is optional: {@code {"previousSecretValidity": "PT1H"}} sets the overlap window. */
  @Post
  HttpResponse<Issued> rotate(TenantPrincipal principal, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    JsonRequestBody request =
        JsonRequestBody.parse(body, Set.of(WebhookSecrets.PREVIOUS_SECRET_VALIDITY_FIELD));
    return HttpResponse.created(
            secrets.rotate(
                principal.tenantId(),
                request.optionalDuration(WebhookSecrets.PREVIOUS_SECRET_VALIDITY_FIELD)))
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
