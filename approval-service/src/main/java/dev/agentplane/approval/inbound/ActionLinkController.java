package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundDecisions.IssuedLinks;
import dev.agentplane.approval.request.ApprovalRequests;
import dev.agentplane.approval.request.Approver;
import dev.agentplane.approval.request.DecisionChannel;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /v1/approvals/{id}/action-links}: a tenant admin (a person, or the tenant's own
 * notification service with the admin role) vouches for an approver and gets that approver's
 * one-time approve and reject links to send them.
 */
@Controller("/v1/approvals/{id}/action-links")
@Secured(SecurityRule.IS_AUTHENTICATED)
class ActionLinkController {

  private final InboundDecisions inbound;
  private final InboundSettings settings;

  ActionLinkController(InboundDecisions inbound, InboundSettings settings) {
    this.inbound = inbound;
    this.settings = settings;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<IssuedLinks> make(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    UUID approvalId = ApprovalRequests.idFromPath(id);
    JsonRequestBody request = JsonRequestBody.parse(body, Set.of("approver", "validFor"));
    Approver approver = InboundBodies.vouchedApprover(request, DecisionChannel.ACTION_LINK);
    Duration validFor = request.optionalDuration("validFor");
    if (validFor == null) {
      validFor = settings.linkValidity();
    } else if (validFor.isNegative()
        || validFor.isZero()
        || validFor.compareTo(settings.maxLinkValidity()) > 0) {
      // A rule about a well-formed value: 422, like the request API's durations and ranges.
      String message = "validFor must be positive and at most " + settings.maxLinkValidity();
      throw new ValidationFailedException(
          message, List.of(new FieldError("/validFor", "out_of_range", message)));
    }
    IssuedLinks links =
        inbound.makeLinks(
            principal.tenantId(), approvalId, approver.subject(), approver.roles(), validFor);
    return HttpResponse.created(links).header("Cache-Control", "no-store");
  }
}
