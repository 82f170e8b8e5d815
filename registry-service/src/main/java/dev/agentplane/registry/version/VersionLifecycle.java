package dev.agentplane.registry.version;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.kit.outbox.Outbox;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.problem.PreconditionFailedException;
import dev.agentplane.kit.problem.PreconditionRequiredException;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.TenantPrincipal;
import dev.agentplane.registry.promotion.PromotionDecision;
import dev.agentplane.registry.promotion.PromotionPolicy;
import dev.agentplane.registry.promotion.PromotionReviews;
import dev.agentplane.registry.tenant.TenantPolicies;
import dev.agentplane.registry.validation.SpecValidator;
import dev.agentplane.registry.validation.ValidationPurpose;
import dev.agentplane.registry.validation.ValidationReport;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every change to an agent or tool and its versions, one transaction each, with the lifecycle event
 * in the same transaction (outbox). Changes to one resource serialize on its row lock, so version
 * numbers never collide and at most one version is ever active.
 */
@Singleton
public class VersionLifecycle {

  /** Agent and tool names: lower-case slugs. */
  public static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

  private static final Logger LOG = LoggerFactory.getLogger(VersionLifecycle.class);
  private static final String SYSTEM = "system";

  private final ResourceRepository resources;
  private final Outbox outbox;
  private final SpecValidator validator;
  private final StoredRegistryLookup lookup;
  private final PromotionPolicy promotionPolicy;
  private final PromotionReviews reviews;
  private final TenantPolicies tenantPolicies;

  VersionLifecycle(
      ResourceRepository resources,
      Outbox outbox,
      SpecValidator validator,
      StoredRegistryLookup lookup,
      PromotionPolicy promotionPolicy,
      PromotionReviews reviews,
      TenantPolicies tenantPolicies) {
    this.resources = resources;
    this.outbox = outbox;
    this.validator = validator;
    this.lookup = lookup;
    this.promotionPolicy = promotionPolicy;
    this.reviews = reviews;
    this.tenantPolicies = tenantPolicies;
  }

  /** What {@code :promote} did. */
  public record Promotion(ResourceVersion version, List<String> reviewReasons, UUID approvalId) {}

  /** Creates the resource with version 1 as a draft. */
  @Transactional
  public ResourceVersion create(
      TenantPrincipal principal, ResourceKind kind, String name, JsonNode spec) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ValidationFailedException(
          "Not a valid name",
          List.of(
              new FieldError(
                  "/name",
                  "invalid_format",
                  "name must be a lower-case slug matching " + NAME.pattern())));
    }
    Instant now = now();
    Resource resource =
        new Resource(
            UUID.randomUUID(), principal.tenantId(), kind, name, principal.subject(), now, null);
    if (!resources.insertResource(resource)) {
      throw new ConflictException(
          "name-taken", "The tenant already has " + article(kind) + " named " + name);
    }
    ResourceVersion first =
        ResourceVersion.draft(resource, 1, spec, null, principal.subject(), now);
    resources.insertVersion(first);
    outbox.enqueue(LifecycleEvents.drafted(resource, first, principal.subject()));
    return first;
  }

  /** A new draft, either with the given spec or cloned from version {@code from}. */
  @Transactional
  public ResourceVersion newDraft(
      TenantPrincipal principal, ResourceKind kind, UUID id, JsonNode spec, Integer from) {
    Resource resource = lockOpen(principal, kind, id);
    JsonNode draftSpec = spec;
    if (from != null) {
      draftSpec = version(principal, resource, from).spec();
    }
    ResourceVersion draft =
        ResourceVersion.draft(
            resource,
            resources.nextVersionNumber(resource.id()),
            draftSpec,
            from,
            principal.subject(),
            now());
    resources.insertVersion(draft);
    outbox.enqueue(LifecycleEvents.drafted(resource, draft, principal.subject()));
    return draft;
  }

  /** Replaces a draft's spec, if the caller's {@code If-Match} names its current state. */
  @Transactional
  public ResourceVersion updateDraft(
      TenantPrincipal principal,
      ResourceKind kind,
      UUID id,
      int number,
      String ifMatch,
      JsonNode spec) {
    Resource resource = lock(principal, kind, id);
    ResourceVersion current = version(principal, resource, number);
    requireMutable(current);
    if (ifMatch == null || ifMatch.isBlank()) {
      throw new PreconditionRequiredException(
          "Updating a draft needs If-Match with the version's ETag (GET it first)");
    }
    if (!ifMatch.trim().equals(current.etag())) {
      throw new PreconditionFailedException(
          "The version changed since it was read: its ETag is now " + current.etag());
    }
    ResourceVersion edited = current.edited(spec, principal.subject(), now());
    save(edited, current.revision());
    return reread(principal, edited);
  }

  /** Runs the validation pipeline on a version, changing nothing. */
  @Transactional
  public ValidationReport validate(
      TenantPrincipal principal, ResourceKind kind, UUID id, int number) {
    Resource resource = find(principal, kind, id);
    return validate(resource, version(principal, resource, number), ValidationPurpose.CHECK);
  }

  /**
   * Promotes a valid draft: active at once, or pending a human review (with an approval request
   * through the outbox), as {@link PromotionPolicy} decides.
   */
  @Transactional
  public Promotion promote(TenantPrincipal principal, ResourceKind kind, UUID id, int number) {
    Resource resource = lockOpen(principal, kind, id);
    ResourceVersion draft = version(principal, resource, number);
    if (draft.status() != VersionStatus.DRAFT) {
      throw new ConflictException(
          "version-not-draft",
          "Only drafts are promoted; version " + number + " is " + draft.status().wireValue());
    }
    ValidationReport report = validate(resource, draft, ValidationPurpose.PROMOTION);
    if (!report.valid()) {
      throw new ValidationFailedException(
          "Version " + number + " is not valid for promotion",
          report.errors().stream()
              .map(issue -> new FieldError(issue.pointer(), issue.code(), issue.message()))
              .toList());
    }
    PromotionDecision decision =
        promotionPolicy.decide(
            kind,
            draft.spec(),
            referencedToolSpecs(resource, draft),
            tenantPolicies.policy(resource.tenantId()));
    Instant now = now();
    return switch (decision) {
      case PromotionDecision.ActivateNow activate ->
          new Promotion(activate(resource, draft, principal.subject(), now), List.of(), null);
      case PromotionDecision.AwaitReview review -> {
        UUID approvalId = UUID.randomUUID();
        ResourceVersion pending =
            draft.movedTo(
                VersionStatus.PENDING_APPROVAL, principal.subject(), now, approvalId, null);
        save(pending, draft.revision());
        ResourceVersion active = resources.findActiveVersion(resource.tenantId(), id).orElse(null);
        outbox.enqueue(
            reviews.request(
                approvalId,
                resource.tenantId(),
                new PromotionReviews.Candidate(
                    kind,
                    id,
                    resource.name(),
                    number,
                    draft.specHash(),
                    draft.spec(),
                    active == null ? null : active.version(),
                    active == null ? null : active.spec()),
                new Requester(
                    principal.subject(),
                    principal.roles().stream().map(r -> r.claimValue()).sorted().toList(),
                    principal.principalType()),
                review.reasons(),
                now));
        outbox.enqueue(LifecycleEvents.submittedForReview(resource, pending, principal.subject()));
        yield new Promotion(reread(principal, pending), review.reasons(), approvalId);
      }
    };
  }

  /** Archives one version (terminal). */
  @Transactional
  public ResourceVersion archiveVersion(
      TenantPrincipal principal, ResourceKind kind, UUID id, int number) {
    Resource resource = lock(principal, kind, id);
    ResourceVersion version = version(principal, resource, number);
    if (version.status() == VersionStatus.ARCHIVED) {
      throw new ConflictException("version-archived", "Version " + number + " is already archived");
    }
    return reread(principal, archive(resource, version, principal.subject(), now()));
  }

  /** Archives the resource and every version of it; archiving twice changes nothing. */
  @Transactional
  public Resource archiveResource(TenantPrincipal principal, ResourceKind kind, UUID id) {
    Resource resource = lock(principal, kind, id);
    Instant now = now();
    for (ResourceVersion version : resources.listVersions(resource.tenantId(), id)) {
      if (version.status() != VersionStatus.ARCHIVED) {
        archive(resource, version, principal.subject(), now);
      }
    }
    resources.markResourceArchived(id, now);
    return resources.findResource(resource.tenantId(), kind, id).orElseThrow();
  }

  /**
   * Finishes a reviewed promotion: approved activates the version, anything else returns it to
   * draft with the reason. A decision for a version no longer pending (redelivered, or archived
   * meanwhile) changes nothing, so each decision takes effect once.
   */
  @Transactional
  public void applyReviewDecision(ApprovalDecided decision) {
    ResourceVersion pending =
        resources.findVersionUnderReview(decision.tenantId(), decision.approvalId()).orElse(null);
    if (pending == null) {
      LOG.warn(
          "Review decision {} names no version of tenant {}; ignored",
          decision.approvalId(),
          decision.tenantId());
      return;
    }
    Resource resource =
        resources.findResourceById(decision.tenantId(), pending.resourceId()).orElseThrow();
    resources.lockResource(resource.tenantId(), resource.kind(), resource.id());
    ResourceVersion current =
        resources.findVersion(resource.tenantId(), resource.id(), pending.version()).orElseThrow();
    if (current.status() != VersionStatus.PENDING_APPROVAL
        || !decision.approvalId().equals(current.reviewApprovalId())) {
      LOG.info(
          "Review decision {} for {} v{} arrived while it is {}; nothing to do",
          decision.approvalId(),
          resource.name(),
          current.version(),
          current.status().wireValue());
      return;
    }
    String actor = decision.decidedBy().isEmpty() ? SYSTEM : String.join(",", decision.decidedBy());
    Instant now = now();
    if (decision.outcome() == ApprovalOutcome.APPROVED) {
      activate(resource, current, actor, now);
      return;
    }
    String reason =
        decision.reason() != null
            ? decision.reason()
            : "review " + decision.outcome().name().toLowerCase(Locale.ROOT);
    ResourceVersion rejected = current.movedTo(VersionStatus.DRAFT, actor, now, null, reason);
    save(rejected, current.revision());
    outbox.enqueue(LifecycleEvents.reviewRejected(resource, rejected, actor, reason));
  }

  private ResourceVersion activate(
      Resource resource, ResourceVersion version, String actor, Instant now) {
    Integer previous = null;
    ResourceVersion active =
        resources.findActiveVersion(resource.tenantId(), resource.id()).orElse(null);
    if (active != null) {
      archive(resource, active, actor, now);
      previous = active.version();
    }
    ResourceVersion activated = version.movedTo(VersionStatus.ACTIVE, actor, now, null, null);
    save(activated, version.revision());
    outbox.enqueue(LifecycleEvents.activated(resource, activated, actor, previous));
    return resources
        .findVersion(resource.tenantId(), resource.id(), version.version())
        .orElseThrow();
  }

  private ResourceVersion archive(
      Resource resource, ResourceVersion version, String actor, Instant now) {
    ResourceVersion archived = version.movedTo(VersionStatus.ARCHIVED, actor, now, null, null);
    save(archived, version.revision());
    outbox.enqueue(LifecycleEvents.archived(resource, archived, actor));
    return archived;
  }

  /** Writes a change made under the resource's lock, where nobody else can have moved first. */
  private void save(ResourceVersion changed, int readRevision) {
    if (!resources.updateVersion(changed, readRevision)) {
      throw new IllegalStateException(
          "Version " + changed.version() + " changed under its resource's lock");
    }
  }

  private ValidationReport validate(
      Resource resource, ResourceVersion version, ValidationPurpose purpose) {
    return switch (resource.kind()) {
      case TOOL -> validator.validateTool(resource.tenantId(), version.spec(), purpose, lookup);
      case AGENT ->
          validator.validateAgent(
              resource.tenantId(), resource.name(), version.spec(), purpose, lookup);
    };
  }

  /** For an agent, the spec of each tool version it would run, by tool name. */
  private Map<String, JsonNode> referencedToolSpecs(Resource resource, ResourceVersion version) {
    if (resource.kind() != ResourceKind.AGENT) {
      return Map.of();
    }
    List<ToolReference> references = ToolReference.of(version.spec());
    Map<String, List<ResourceVersion>> versionsByTool =
        resources
            .listVersionsByNames(
                resource.tenantId(),
                ResourceKind.TOOL,
                references.stream().map(ToolReference::name).toList())
            .stream()
            .collect(
                Collectors.groupingBy(
                    ResourceRepository.NamedVersion::name,
                    Collectors.mapping(
                        ResourceRepository.NamedVersion::version, Collectors.toList())));
    Map<String, JsonNode> specs = new LinkedHashMap<>();
    for (ToolReference reference : references) {
      reference
          .pick(versionsByTool.getOrDefault(reference.name(), List.of()))
          .ifPresent(picked -> specs.put(reference.name(), picked.spec()));
    }
    return specs;
  }

  private Resource find(TenantPrincipal principal, ResourceKind kind, UUID id) {
    return resources
        .findResource(principal.tenantId(), kind, id)
        .orElseThrow(() -> notFound(kind, id));
  }

  private Resource lock(TenantPrincipal principal, ResourceKind kind, UUID id) {
    return resources
        .lockResource(principal.tenantId(), kind, id)
        .orElseThrow(() -> notFound(kind, id));
  }

  /** Locks a resource that must not be archived (new drafts and promotions). */
  private Resource lockOpen(TenantPrincipal principal, ResourceKind kind, UUID id) {
    Resource resource = lock(principal, kind, id);
    if (resource.isArchived()) {
      throw new ConflictException(
          "resource-archived",
          "The " + kind.name().toLowerCase(Locale.ROOT) + " " + resource.name() + " is archived");
    }
    return resource;
  }

  private ResourceVersion version(TenantPrincipal principal, Resource resource, int number) {
    return resources
        .findVersion(principal.tenantId(), resource.id(), number)
        .orElseThrow(
            () -> new NotFoundException("No version " + number + " of " + resource.name()));
  }

  private ResourceVersion reread(TenantPrincipal principal, ResourceVersion version) {
    return resources
        .findVersion(principal.tenantId(), version.resourceId(), version.version())
        .orElseThrow();
  }

  private static void requireMutable(ResourceVersion version) {
    if (!version.status().isMutable()) {
      throw new ConflictException(
          "version-immutable",
          "Version "
              + version.version()
              + " is "
              + version.status().wireValue()
              + "; only drafts change. Create a new draft (optionally with from: "
              + version.version()
              + ").");
    }
  }

  static NotFoundException notFound(ResourceKind kind, UUID id) {
    return new NotFoundException("No " + kind.name().toLowerCase(Locale.ROOT) + " " + id);
  }

  private static String article(ResourceKind kind) {
    return kind == ResourceKind.AGENT ? "an agent" : "a tool";
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }
}
