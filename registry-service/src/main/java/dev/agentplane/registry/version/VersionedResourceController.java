package dev.agentplane.registry.version;

import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import dev.agentplane.registry.JsonBody;
import dev.agentplane.registry.validation.ValidationReport;
import dev.agentplane.registry.version.VersionViews.PromotionView;
import dev.agentplane.registry.version.VersionViews.ResourcePage;
import dev.agentplane.registry.version.VersionViews.ResourceView;
import dev.agentplane.registry.version.VersionViews.VersionView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * The versioned-resource API that agents and tools share: create, list, get, archive, and per
 * version create, get, update, {@code :validate}, {@code :promote}, {@code :archive}. Subclasses
 * bind it to {@code /v1/agents} and {@code /v1/tools}.
 */
public abstract class VersionedResourceController {

  /**
   * Who reads agents and tools: every role of the tenant, and {@code internal} services (the
   * execution service finds an agent by name before resolving it).
   */
  protected static final Role[] READERS = {
    Role.VIEWER, Role.BUILDER, Role.OPERATOR, Role.APPROVER, Role.INTERNAL
  };

  private final ResourceKind kind;
  private final VersionLifecycle lifecycle;
  private final ResourceQueries queries;

  protected VersionedResourceController(
      ResourceKind kind, VersionLifecycle lifecycle, ResourceQueries queries) {
    this.kind = kind;
    this.lifecycle = lifecycle;
    this.queries = queries;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<VersionView> create(TenantPrincipal principal, @Body String body) {
    principal.require(Role.BUILDER);
    JsonRequestBody request = JsonBody.parse(body, Set.of("name", "spec"));
    ResourceVersion first =
        lifecycle.create(principal, kind, request.string("name"), JsonBody.spec(request));
    return HttpResponse.created(queries.view(principal, kind, first))
        .headers(h -> h.location(URI.create(basePath() + "/" + first.resourceId())))
        .header(HttpHeaders.ETAG, first.etag());
  }

  @Get
  public ResourcePage list(
      TenantPrincipal principal,
      @Nullable @QueryValue String name,
      @Nullable @QueryValue String status,
      @Nullable @QueryValue String cursor,
      @Nullable @QueryValue Integer limit) {
    principal.require(READERS);
    return queries.list(principal, kind, name, status, cursor, limit);
  }

  @Get("/{id}")
  public ResourceView get(TenantPrincipal principal, @PathVariable String id) {
    principal.require(READERS);
    return queries.get(principal, kind, uuid(id));
  }

  @Post("/{id}:archive")
  public ResourceView archive(TenantPrincipal principal, @PathVariable String id) {
    principal.require(Role.ADMIN);
    UUID resourceId = uuid(id);
    lifecycle.archiveResource(principal, kind, resourceId);
    return queries.get(principal, kind, resourceId);
  }

  @Post("/{id}/versions")
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<VersionView> createVersion(
      TenantPrincipal principal, @PathVariable String id, @Body String body) {
    principal.require(Role.BUILDER);
    JsonRequestBody request = JsonBody.parse(body, Set.of("spec", "from"));
    boolean spec = request.optionalJson("spec") != null;
    if (spec == (request.optionalJson("from") != null)) {
      throw new BadRequestException(
          "Give either spec (a new draft) or from (clone version n), not both or neither",
          List.of(new FieldError("", "spec_or_from", "exactly one of spec and from")));
    }
    ResourceVersion draft =
        lifecycle.newDraft(
            principal,
            kind,
            uuid(id),
            spec ? JsonBody.spec(request) : null,
            request.optionalPositiveInt("from"));
    return HttpResponse.created(queries.view(principal, kind, draft))
        .headers(
            h ->
                h.location(
                    URI.create(
                        basePath() + "/" + draft.resourceId() + "/versions/" + draft.version())))
        .header(HttpHeaders.ETAG, draft.etag());
  }

  @Get("/{id}/versions/{number}")
  public HttpResponse<VersionView> version(
      TenantPrincipal principal, @PathVariable String id, @PathVariable int number) {
    principal.require(READERS);
    VersionView view = queries.version(principal, kind, uuid(id), number);
    return HttpResponse.ok(view).header(HttpHeaders.ETAG, view.etag());
  }

  @Put("/{id}/versions/{number}")
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<VersionView> update(
      TenantPrincipal principal,
      @PathVariable String id,
      @PathVariable int number,
      @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
      @Body String body) {
    principal.require(Role.BUILDER);
    JsonRequestBody request = JsonBody.parse(body, Set.of("spec"));
    ResourceVersion updated =
        lifecycle.updateDraft(principal, kind, uuid(id), number, ifMatch, JsonBody.spec(request));
    return HttpResponse.ok(queries.view(principal, kind, updated))
        .header(HttpHeaders.ETAG, updated.etag());
  }

  @Post("/{id}/versions/{number}:validate")
  public ValidationReport validate(
      TenantPrincipal principal, @PathVariable String id, @PathVariable int number) {
    principal.require(Role.BUILDER);
    return lifecycle.validate(principal, kind, uuid(id), number);
  }

  @Post("/{id}/versions/{number}:promote")
  public PromotionView promote(
      TenantPrincipal principal, @PathVariable String id, @PathVariable int number) {
    principal.require(Role.BUILDER);
    VersionLifecycle.Promotion promotion = lifecycle.promote(principal, kind, uuid(id), number);
    return new PromotionView(
        promotion.version().status().wireValue().equals("active")
            ? "activated"
            : "pending_approval",
        queries.view(principal, kind, promotion.version()),
        promotion.reviewReasons().isEmpty() ? null : promotion.reviewReasons(),
        promotion.approvalId());
  }

  @Post("/{id}/versions/{number}:archive")
  public VersionView archiveVersion(
      TenantPrincipal principal, @PathVariable String id, @PathVariable int number) {
    principal.require(Role.ADMIN);
    return queries.view(
        principal, kind, lifecycle.archiveVersion(principal, kind, uuid(id), number));
  }

  /** Ids that are not UUIDs name nothing: the same 404 as an id of another tenant. */
  protected UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw VersionLifecycle.notFound(kind, null);
    }
  }

  private String basePath() {
    return "/v1/" + kind.name().toLowerCase(Locale.ROOT) + "s";
  }
}
