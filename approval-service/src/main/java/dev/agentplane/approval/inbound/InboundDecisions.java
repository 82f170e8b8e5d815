package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.ActionLinks.Claims;
import dev.agentplane.approval.inbound.ActionLinks.Reading;
import dev.agentplane.approval.request.ApprovalDecisions;
import dev.agentplane.approval.request.ApprovalQueries;
import dev.agentplane.approval.request.ApprovalStatus;
import dev.agentplane.approval.request.ApprovalView;
import dev.agentplane.approval.request.Approver;
import dev.agentplane.approval.request.DecisionChannel;
import dev.agentplane.approval.request.DecisionCommand;
import dev.agentplane.approval.request.Verdict;
import dev.agentplane.approval.webhook.StandardWebhooks;
import dev.agentplane.approval.webhook.StandardWebhooks.Verification;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.UnauthorizedException;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Decisions that arrive without a JWT: signed inbound webhooks and one-time action links. Nothing
 * is read from a message before its signature is checked; a message that fails any check leaves no
 * trace; one that passes has its effect once (its id is recorded in the decision's transaction).
 *
 * <p>No principal scopes these requests to a tenant: the tenant is the one their path names, and
 * each use case opens its transaction in that tenant's scope ({@link TenantScope}), so that
 * row-level security shows it that tenant's secret and requests only. Naming a tenant proves
 * nothing; the signature or link made with that tenant's secret does.
 */
@Singleton
class InboundDecisions {

  private final InboundSecrets secrets;
  private final InboundMessages messages;
  private final ActionLinks links;
  private final ApprovalDecisions decisions;
  private final ApprovalQueries queries;
  private final InboundSettings settings;
  private final TransactionOperations<Connection> transactions;
  private final Clock clock;

  InboundDecisions(
      InboundSecrets secrets,
      InboundMessages messages,
      ActionLinks links,
      ApprovalDecisions decisions,
      ApprovalQueries queries,
      InboundSettings settings,
      TransactionOperations<Connection> transactions,
      Clock clock) {
    this.secrets = secrets;
    this.messages = messages;
    this.links = links;
    this.decisions = decisions;
    this.queries = queries;
    this.settings = settings;
    this.transactions = transactions;
    this.clock = clock;
  }

  /** A decision made by someone the tenant vouches for, as a signed webhook. */
  record SignedDecision(UUID approvalId, Approver approver, DecisionCommand command) {}

  /**
   * Checks a signed message and, if it is genuine, fresh and new, hands its decision on. A replay
   * (an id already had its effect) answers with the request as it is now and changes nothing.
   */
  ApprovalView decideSigned(
      String tenantId,
      Map<String, String> headers,
      byte[] body,
      Function<byte[], SignedDecision> parse) {
    return writingFor(tenantId, status -> checkAndDecide(tenantId, headers, body, parse));
  }

  private ApprovalView checkAndDecide(
      String tenantId,
      Map<String, String> headers,
      byte[] body,
      Function<byte[], SignedDecision> parse) {
    Instant now = clock.instant();
    Verification verification =
        StandardWebhooks.verify(
            headers, body, secrets.verifying(tenantId), settings.timestampTolerance(), now);
    String messageId =
        switch (verification) {
          case Verification.Valid valid -> valid.messageId();
          case Verification.MissingHeaders missing ->
              throw new UnauthorizedException(
                  "missing-signature",
                  "The message must carry the Standard Webhooks headers "
                      + missing.headers()
                      + ".");
          case Verification.StaleTimestamp stale ->
              throw new UnauthorizedException(
                  "stale-timestamp",
                  "webhook-timestamp is more than "
                      + settings.timestampTolerance().toSeconds()
                      + " s from the service's clock.");
          case Verification.BadSignature bad ->
              // Also what an unknown tenant gets: which tenants exist is not for strangers.
              throw new UnauthorizedException(
                  "invalid-signature", "No webhook-signature matches the tenant's secret.");
        };
    SignedDecision decision = parse.apply(body);
    Instant keepUntil = now.plus(settings.timestampTolerance().multipliedBy(2));
    if (!messages.firstTime(
        tenantId,
        "webhook:" + messageId,
        decision.approvalId(),
        DecisionChannel.SIGNED_WEBHOOK.wireValue(),
        now,
        keepUntil)) {
      return queries.get(tenantId, decision.approvalId());
    }
    return decisions.decide(
        tenantId, decision.approvalId(), decision.approver(), decision.command());
  }

  /** What a link would do, without doing it (link scanners and previews fetch links). */
  LinkPreview preview(String tenantId, String token) {
    return TenantScope.call(
        tenantId, () -> transactions.executeRead(status -> previewOf(tenantId, token)));
  }

  private LinkPreview previewOf(String tenantId, String token) {
    Claims claims = verified(tenantId, token);
    ApprovalView approval = queries.get(tenantId, claims.approvalId());
    return new LinkPreview(
        approval.id(),
        approval.title(),
        approval.summary(),
        approval.status(),
        claims.verdict().wireValue(),
        claims.approver(),
        claims.expiresAt(),
        messages.seen(tenantId, linkMessageId(claims)));
  }

  /** What a link would do, to whom, and the request it would act on. */
  @Serdeable
  record LinkPreview(
      UUID approvalId,
      String title,
      String summary,
      String status,
      String verdict,
      String approver,
      Instant expiresAt,
      boolean used) {}

  /** Uses a link: its decision is made once; a second use is a 409. */
  ApprovalView decideByLink(String tenantId, String token, String reason) {
    return writingFor(tenantId, status -> useLink(tenantId, token, reason));
  }

  private ApprovalView useLink(String tenantId, String token, String reason) {
    Claims claims = verified(tenantId, token);
    Instant now = clock.instant();
    if (!messages.firstTime(
        tenantId,
        linkMessageId(claims),
        claims.approvalId(),
        DecisionChannel.ACTION_LINK.wireValue(),
        now,
        claims.expiresAt())) {
      throw new ConflictException(
          "link-used", "This action link has already been used.", List.of());
    }
    Approver approver =
        new Approver(claims.approver(), claims.roles(), DecisionChannel.ACTION_LINK);
    return decisions.decide(
        tenantId,
        claims.approvalId(),
        approver,
        new DecisionCommand(claims.verdict(), reason, null));
  }

  /**
   * Makes the approve and reject links for one approver of one pending request. Asked by an
   * authenticated admin: the request scopes the transaction to the admin's tenant.
   */
  @Transactional
  IssuedLinks makeLinks(
      String tenantId, UUID approvalId, String approver, Set<String> roles, Duration validity) {
    ApprovalView approval = queries.get(tenantId, approvalId);
    if (!ApprovalStatus.PENDING.wireValue().equals(approval.status())) {
      // Links to a closed request could only ever answer 409: refuse to make them.
      throw new ConflictException(
          "approval-closed",
          "Approval request " + approvalId + " is already " + approval.status(),
          List.of());
    }
    List<String> verifying = secrets.verifying(tenantId);
    if (verifying.isEmpty()) {
      throw new ConflictException(
          "no-inbound-secret",
          "The tenant has no decision-callback secret; an admin makes one with POST"
              + " /v1/webhooks/inbound-secret.",
          List.of());
    }
    // A link's expiry is signed as unix seconds: the one shown is the one the link carries.
    Instant expiresAt = clock.instant().plus(validity).truncatedTo(ChronoUnit.SECONDS);
    String secret = verifying.getFirst();
    Function<Verdict, String> linkFor =
        verdict ->
            settings
                .linkUrl(
                    tenantId,
                    links.make(
                        new Claims(
                            UUID.randomUUID().toString(),
                            approval.id(),
                            approver,
                            roles,
                            verdict,
                            expiresAt),
                        secret))
                .toString();
    return new IssuedLinks(
        linkFor.apply(Verdict.APPROVE), linkFor.apply(Verdict.REJECT), expiresAt);
  }

  /** The two links of one approver, shown once to whoever sends them. */
  @Serdeable
  record IssuedLinks(String approve, String reject, Instant expiresAt) {}

  private Claims verified(String tenantId, String token) {
    Reading reading = links.read(token, secrets.verifying(tenantId), clock.instant());
    if (reading.valid()) {
      return reading.claims();
    }
    throw switch (reading.refusal()) {
      case EXPIRED -> new UnauthorizedException("link-expired", "This action link has expired.");
      case MALFORMED, BAD_SIGNATURE ->
          new UnauthorizedException("invalid-link", "This is not a valid action link.");
    };
  }

  /** One write transaction for the use case, scoped to the tenant the path names. */
  private <T> T writingFor(String tenantId, TransactionCallback<Connection, T> work) {
    return TenantScope.call(tenantId, () -> transactions.executeWrite(work));
  }

  private static String linkMessageId(Claims claims) {
    return "link:" + claims.linkId();
  }
}
