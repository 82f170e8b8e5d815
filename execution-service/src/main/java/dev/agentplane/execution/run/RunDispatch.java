package dev.agentplane.execution.run;

import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.kit.outbox.Outbox;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.context.event.ApplicationEventPublisher;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Hands a queued run to workers: once the caller's transaction committed, an offer to this
 * instance's own workers (eager start), and, when this instance has no free slot for it, a dispatch
 * message on {@code agentplane.runs.requested} written in that transaction, so that any instance
 * may claim it. Every run that becomes queued goes this way: intake, fork, a failed run resumed, a
 * run whose approvals were decided.
 *
 * <p>A run this instance starts itself gets no dispatch message: the message would only travel
 * through the outbox relay and Kafka to a claim that this instance has already won. Should this
 * instance die between the commit and the claim, the run is still queued in PostgreSQL and any
 * instance's sweeper claims it after {@code unclaimed-after}, as when a dispatch message is lost.
 */
@Singleton
public class RunDispatch {

  private final Outbox outbox;
  private final ApplicationEventPublisher<RunAccepted> accepted;
  // A provider: the workers need the journal, which needs the gates, which dispatch runs again.
  private final Provider<EagerStart> eagerStart;

  RunDispatch(
      Outbox outbox,
      ApplicationEventPublisher<RunAccepted> accepted,
      Provider<EagerStart> eagerStart) {
    this.outbox = outbox;
    this.accepted = accepted;
    this.eagerStart = eagerStart;
  }

  /**
   * In the caller's transaction: the dispatch message for {@code run}, asked for by {@code by},
   * unless this instance will start the run itself ({@link #offerLocally} after the commit).
   */
  public void enqueue(Run run, Requester by) {
    if (eagerStart.get().startsHere()) {
      return;
    }
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

  /**
   * After the transaction that queued the run of {@code tenantId} committed: this instance's
   * workers may start it.
   */
  public void offerLocally(String tenantId, UUID runId) {
    accepted.publishEvent(new RunAccepted(tenantId, runId));
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
