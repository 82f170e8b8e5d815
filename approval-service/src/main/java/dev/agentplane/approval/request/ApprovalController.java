package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.approval.request.ApprovalView.ApprovalPage;
import dev.agentplane.approval.request.ApprovalView.AuditView;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The approvals API: services open requests, everyone with a role in the tenant reads the inbox and
 * the audit trail, approvers decide, the asking service (or an admin) cancels.
 */
@Controller("/v1/approvals")
@Secured(SecurityRule.IS_AUTHENTICATED)
class ApprovalController {

  /** Who may read requests and their audit trail: any role of the tenant, and internal services. */
  static final Role[] READERS = {
    Role.VIEWER, Role.BUILDER, Role.OPERATOR, Role.APPROVER, Role.INTERNAL
  };

  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "kind",
          "subject",
          "title",
          "summary",
          "context",
          "requestedBy",
          "requiredApprovals",
          "approverRoles",
          "excludeRequester",
          "expiresAt",
          "onExpiry",
          "remindAfter",
          "escalateAfter");

  private static final int MAX_TITLE = 200;
  private static final int MAX_SUMMARY = 4000;
  private static final int MAX_REFERENCE = 200;

  private final ApprovalRequests requests;
  private final ApprovalDecisions decisions;
  private final ApprovalQueries queries;

  ApprovalController(
      ApprovalRequests requests, ApprovalDecisions decisions, ApprovalQueries queries) {
    this.requests = requests;
    this.decisions = decisions;
    this.queries = queries;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<ApprovalView> open(TenantPrincipal principal, @Body String body) {
    if (!principal.isService()) {
      throw new ForbiddenException(
          "service-principal-required",
          "Approval requests are opened by services (a token with ptype service), not by users");
    }
    ApprovalView opened = requests.open(principal.tenantId(), openCommand(principal, body));
    return HttpResponse.created(opened).headers(h -> h.location(URI.create(path(opened.id()))));
  }

  @Get
  ApprovalPage inbox(
      TenantPrincipal principal,
      @Nullable @QueryValue String status,
      @Nullable @QueryValue String kind,
      @Nullable @QueryValue String subject,
      @Nullable @QueryValue String requester,
      @Nullable @QueryValue String cursor,
      @Nullable @QueryValue Integer limit) {
    principal.require(READERS);
    return queries.inbox(principal.tenantId(), status, kind, subject, requester, cursor, limit);
  }

  @Get("/{id}")
  ApprovalView get(TenantPrincipal principal, @PathVariable String id) {
    principal.require(READERS);
    return queries.get(principal.tenantId(), uuid(id));
  }

  @Get("/{id}/audit")
  AuditView audit(TenantPrincipal principal, @PathVariable String id) {
    principal.require(READERS);
    return queries.audit(principal.tenantId(), uuid(id));
  }

  @Post("/{id}/decisions")
  @Consumes(MediaType.APPLICATION_JSON)
  ApprovalView decide(TenantPrincipal principal, @PathVariable String id, @Body String body) {
    UUID approvalId = uuid(id);
    DecisionCommand command =
        DecisionCommand.read(JsonRequestBody.parse(body, DecisionCommand.FIELDS));
    Approver approver =
        new Approver(
            principal.subject(),
            principal.roles().stream().map(Role::claimValue).collect(Collectors.toSet()),
            DecisionChannel.API);
    return decisions.decide(principal.tenantId(), approvalId, approver, command);
  }

  @Post("/{id}/cancel")
  @Consumes(MediaType.APPLICATION_JSON)
  ApprovalView cancel(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    UUID approvalId = uuid(id);
    boolean internalService = principal.isService() && principal.roles().contains(Role.INTERNAL);
    if (!internalService && !principal.roles().contains(Role.ADMIN)) {
      // Another tenant's request stays a 404 whoever asks; only then is the role refused.
      queries.get(principal.tenantId(), approvalId);
      throw new ForbiddenException(
          "Cancelling a request needs a service principal with role internal, or an admin");
    }
    String reason = JsonRequestBody.parse(body, Set.of("reason")).optionalText("reason", 2000);
    return requests.cancel(principal.tenantId(), approvalId, principal.subject(), reason);
  }

  private static ApprovalRequests.OpenCommand openCommand(TenantPrincipal principal, String raw) {
    JsonRequestBody body = JsonRequestBody.parse(raw, CREATE_FIELDS);
    ApprovalKind kind = kind(body);
    ApprovalSubject subject = subject(body, kind);
    String title = body.optionalText("title", MAX_TITLE);
    if (title == null) {
      title = body.text("title");
    }
    String summary = body.optionalText("summary", MAX_SUMMARY);
    JsonNode context = body.optionalJsonObject("context");
    String onBehalfOf = body.optionalText("requestedBy", MAX_REFERENCE);
    // A service may open a gate for a user's action: that user is then the requester (and, with
    // excludeRequester, may not approve it). Otherwise the service itself asked.
    Requester requester =
        onBehalfOf != null
            ? new Requester(onBehalfOf, List.of(), PrincipalType.USER)
            : new Requester(
                principal.subject(),
                principal.roles().stream().map(Role::claimValue).sorted().toList(),
                PrincipalType.SERVICE);
    Integer required = body.optionalInt("requiredApprovals");
    List<String> roles = body.optionalStrings("approverRoles");
    Boolean excludeRequester = body.optionalBoolean("excludeRequester");
    String onExpiry = body.optionalText("onExpiry");
    ApprovalPolicy policy =
        new ApprovalPolicy(
            required == null ? 1 : required,
            roles == null ? List.of("approver", "admin") : roles,
            excludeRequester == null || excludeRequester,
            body.optionalInstant("expiresAt"),
            onExpiry == null ? ExpiryOutcome.REJECT : onExpiry(body, onExpiry));
    return new ApprovalRequests.OpenCommand(
        kind,
        subject,
        requester,
        title,
        summary == null ? "" : summary,
        context == null ? JsonNodeFactory.instance.objectNode() : context,
        policy,
        body.optionalDuration("remindAfter"),
        body.optionalDuration("escalateAfter"));
  }

  private static ApprovalKind kind(JsonRequestBody body) {
    String kind = body.optionalText("kind");
    if (kind == null) {
      return ApprovalKind.CUSTOM;
    }
    for (ApprovalKind candidate : ApprovalKind.values()) {
      if (candidate.name().toLowerCase(Locale.ROOT).equals(kind)) {
        return candidate;
      }
    }
    throw body.bad("kind", "invalid_value", "kind must be one of custom, tool_call, promotion");
  }

  private static ApprovalSubject subject(JsonRequestBody body, ApprovalKind kind) {
    return switch (kind) {
      case CUSTOM -> {
        JsonRequestBody subject = body.object("subject", Set.of("reference"));
        String reference = subject.optionalText("reference", MAX_REFERENCE);
        yield ApprovalSubject.custom(reference == null ? subject.text("reference") : reference);
      }
      case TOOL_CALL -> {
        JsonRequestBody subject = body.object("subject", Set.of("runId", "toolCallId"));
        yield ApprovalSubject.toolCall(subject.uuid("runId"), subject.text("toolCallId"));
      }
      case PROMOTION -> {
        JsonRequestBody subject =
            body.object("subject", Set.of("resourceKind", "resourceId", "version"));
        String resourceKind = subject.text("resourceKind");
        ResourceKind resource =
            switch (resourceKind) {
              case "agent" -> ResourceKind.AGENT;
              case "tool" -> ResourceKind.TOOL;
              default ->
                  throw subject.bad(
                      "resourceKind", "invalid_value", "resourceKind must be agent or tool");
            };
        UUID resourceId = subject.uuid("resourceId");
        Integer version = subject.optionalInt("version");
        if (version == null || version < 1) {
          throw subject.bad("version", "invalid_value", "version must be a positive integer");
        }
        yield ApprovalSubject.promotion(resource, resourceId, version);
      }
    };
  }

  private static ExpiryOutcome onExpiry(JsonRequestBody body, String value) {
    return switch (value) {
      case "approve" -> ExpiryOutcome.APPROVE;
      case "reject" -> ExpiryOutcome.REJECT;
      default -> throw body.bad("onExpiry", "invalid_value", "onExpiry must be approve or reject");
    };
  }

  private static UUID uuid(String id) {
    return ApprovalRequests.idFromPath(id);
  }

  private static String path(UUID id) {
    return "/v1/approvals/" + id;
  }
}
