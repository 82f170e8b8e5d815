package dev.agentplane.execution.run;

import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.kit.outbox.Outbox;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.context.event.ApplicationEventPublisher;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Hands a queued run to workers: a dispatch message on {@code agentplane.runs.requested} written in
 * the caller's transaction (any instance may claim the run), and, once that transaction committed,
 * an offer to this instance's own workers (eager start). Every run that becomes queued goes this
 * way: intake, fork, a failed run resumed, a run whose approvals were decided.
 */
@Singleton
public class RunDispatch {

  private final Outbox outbox;
  private final ApplicationEventPublisher<RunAccepted> accepted;

  RunDispatch(Outbox outbox, ApplicationEventPublisher<RunAccepted> accepted) {
    this.outbox = outbox;
    this.accepted = accepted;
  }

  /** In the caller's transaction: the dispatch message for {@code run}, asked for by {@code by}. */
  public void enqueue(Run run, Requester by) {
    outbox.enqueue(
        new RunRequested(
            UUID.randomUUID(),
            Instant.now(),
            1,
            run.tenantId(),
            run.id(),
            run.agentId().toString(),
            String.valueOf(run.agentVersion()),
            run.input(),
            run.mode(),
            run.idempotencyKey(),
            run.metadata().isObject() ? metadataOf(run) : null,
            by));
  }

  /** After the transaction that queued the run committed: this instance's workers may start it. */
  public void offerLocally(UUID runId) {
    accepted.publishEvent(new RunAccepted(runId));
  }

  /** A verified caller, as a dispatch message names who asked. */
  public static Requester requesterOf(TenantPrincipal caller) {
    return new Requester(
        caller.subject(),
        caller.roles().stream().map(Role::claimValue).sorted().toList(),
        caller.principalType());
  }

  /** The run's creator, as its dispatch message names it. */
  public static Requester creatorOf(Run run) {
    return new Requester(run.createdBy(), run.creatorRoles(), run.creatorType());
  }

  private static Map<String, String> metadataOf(Run run) {
    Map<String, String> labels = new LinkedHashMap<>();
    run.metadata()
        .fields()
        .forEachRemaining(field -> labels.put(field.getKey(), field.getValue().asText()));
    return labels;
  }
}
