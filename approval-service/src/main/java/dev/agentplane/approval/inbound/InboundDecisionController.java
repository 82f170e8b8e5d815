package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundDecisions.LinkPreview;
import dev.agentplane.approval.request.ApprovalView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code /v1/webhooks/inbound/{tenant}}: decisions without a JWT. A chat or ticketing integration
 * posts signed decisions (Standard Webhooks, the tenant's decision-callback secret); an approver
 * opens and uses a one-time action link. The signature or link is the credential, so the routes are
 * open to anonymous callers and every check is {@link InboundDecisions}'.
 */
@Controller("/v1/webhooks/inbound/{tenantId}")
@Secured(SecurityRule.IS_ANONYMOUS)
class InboundDecisionController {

  private final InboundDecisions inbound;

  InboundDecisionController(InboundDecisions inbound) {
    this.inbound = inbound;
  }

  @Post("/decisions")
  @Consumes(MediaType.APPLICATION_JSON)
  ApprovalView decide(
      HttpRequest<?> request, @PathVariable String tenantId, @Nullable @Body byte[] body) {
    Map<String, String> headers = new HashMap<>();
    request.getHeaders().forEachValue(headers::putIfAbsent);
    byte[] raw = body == null ? new byte[0] : body;
    return inbound.decideSigned(tenantId, headers, raw, InboundBodies::signedDecision);
  }

  @Get("/links/{token}")
  LinkPreview preview(@PathVariable String tenantId, @PathVariable String token) {
    return inbound.preview(tenantId, token);
  }

  @Post("/links/{token}")
  @Consumes({MediaType.APPLICATION_JSON, MediaType.APPLICATION_FORM_URLENCODED})
  ApprovalView use(
      HttpRequest<?> request,
      @PathVariable String tenantId,
      @PathVariable String token,
      @Nullable @Body String body) {
    boolean form =
        request
            .getContentType()
            .filter(type -> type.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE))
            .isPresent();
    String reason = form ? InboundBodies.linkReasonFromForm(body) : InboundBodies.linkReason(body);
    return inbound.decideByLink(tenantId, token, reason);
  }
}
