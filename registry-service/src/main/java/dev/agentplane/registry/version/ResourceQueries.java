package dev.agentplane.registry.version;

import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.TenantPrincipal;
import dev.agentplane.registry.version.VersionViews.ResourcePage;
import dev.agentplane.registry.version.VersionViews.ResourceView;
import dev.agentplane.registry.version.VersionViews.VersionSummary;
import dev.agentplane.registry.version.VersionViews.VersionView;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Reads of agents, tools and their versions, always within the caller's tenant. */
@Singleton
public class ResourceQueries {

  static final int DEFAULT_PAGE = 20;
  static final int MAX_PAGE = 100;

  private final ResourceRepository resources;

  ResourceQueries(ResourceRepository resources) {
    this.resources = resources;
  }

  @ReadOnly
  public ResourcePage list(
      TenantPrincipal principal,
      ResourceKind kind,
      String namePrefix,
      String status,
      String cursor,
      Integer limit) {
    int pageSize = limit == null ? DEFAULT_PAGE : limit;
    if (pageSize < 1 || pageSize > MAX_PAGE) {
      throw badQuery("limit", "limit must be between 1 and " + MAX_PAGE);
    }
    VersionStatus statusFilter =
        status == null
            ? null
            : VersionStatus.fromWire(status)
                .orElseThrow(
                    () ->
                        badQuery(
                            "status",
                            "status must be one of draft, pending_approval, active, archived"));
    List<ResourceRepository.ListedResource> rows =
        resources.listResources(
            principal.tenantId(), kind, namePrefix, statusFilter, afterName(cursor), pageSize + 1);
    boolean more = rows.size() > pageSize;
    List<ResourceView> items =
        rows.stream()
            .limit(pageSize)
            .map(row -> view(row.resource(), row.activeVersion(), row.latestVersion(), null))
            .toList();
    String next = more ? cursorAfter(items.getLast().name()) : null;
    return new ResourcePage(items, next);
  }

  @ReadOnly
  public ResourceView get(TenantPrincipal principal, ResourceKind kind, UUID id) {
    Resource resource = resource(principal, kind, id);
    List<ResourceVersion> versions = resources.listVersions(principal.tenantId(), id);
    Integer active =
        versions.stream()
            .filter(v -> v.status() == VersionStatus.ACTIVE)
            .map(ResourceVersion::version)
            .findFirst()
            .orElse(null);
    return view(
        resource,
        active,
        versions.getLast().version(),
        versions.stream().map(VersionSummary::of).toList());
  }

  @ReadOnly
  public VersionView version(TenantPrincipal principal, ResourceKind kind, UUID id, int number) {
    Resource resource = resource(principal, kind, id);
    return resources
        .findVersion(principal.tenantId(), id, number)
        .map(v -> VersionView.of(resource, v))
        .orElseThrow(
            () -> new NotFoundException("No version " + number + " of " + resource.name()));
  }

  /** Views of a version just written, with its resource's name. */
  @ReadOnly
  public VersionView view(TenantPrincipal principal, ResourceKind kind, ResourceVersion version) {
    return VersionView.of(resource(principal, kind, version.resourceId()), version);
  }

  private Resource resource(TenantPrincipal principal, ResourceKind kind, UUID id) {
    return resources
        .findResource(principal.tenantId(), kind, id)
        .orElseThrow(() -> VersionLifecycle.notFound(kind, id));
  }

  static ResourceView view(
      Resource resource, Integer active, int latest, List<VersionSummary> versions) {
    return new ResourceView(
        resource.id(),
        resource.name(),
        resource.createdBy(),
        resource.createdAt(),
        resource.archivedAt(),
        active,
        latest,
        versions);
  }

  private static String cursorAfter(String name) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(name.getBytes(StandardCharsets.UTF_8));
  }

  private static String afterName(String cursor) {
    if (cursor == null) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw badQuery("cursor", "cursor is not one this API returned");
    }
  }

  private static BadRequestException badQuery(String parameter, String message) {
    return new BadRequestException(
        "Invalid query parameter " + parameter,
        List.of(new FieldError("/" + parameter, "invalid_value", message)));
  }
}
