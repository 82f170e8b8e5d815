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
 * Hands a queued run to the workers, one way for every run that becomes queued (intake, resume,
 * fork): its dispatch message ({@code RunRequested} with the run id, on {@code
 * agentplane.runs.requested}) goes into the outbox in the caller's transaction, and once that has
 * committed, this instance's workers may start it at once ({@link RunAccepted}, eager start).
 */
@Singleton
class RunDispatch {

  private final Outbox outbox;
  private final ApplicationEventPublisher<RunAccepted> accepted;

  RunDispatch(Outbox outbox, ApplicationEventPublisher<RunAccepted> accepted) {
    this.outbox = outbox;
    this.accepted = accepted;
  }

  /** In the transaction that queued the run: its dispatch message, requested by {@code by}. */
  void enqueue(Run run, TenantPrincipal by) {
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
            new Requester(
                by.subject(),
                by.roles().stream().map(Role::claimValue).sorted().toList(),
                by.principalType())));
  }

  /** After that transaction committed: offers the run to this instance's workers. */
  void committed(UUID runId) {
    accepted.publishEvent(new RunAccepted(runId));
  }

  private static Map<String, String> metadataOf(Run run) {
    Map<String, String> labels = new LinkedHashMap<>();
    run.metadata()
        .fields()
        .forEachRemaining(field -> labels.put(field.getKey(), field.getValue().asText()));
    return labels;
  }
}
