package dev.agentplane.execution.run;

import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.loop.RunWorkers;
import dev.agentplane.kit.consumer.IdempotentConsumer;
import dev.agentplane.kit.consumer.PoisonMessageException;
import dev.agentplane.kit.problem.ProblemException;
import dev.agentplane.kit.problem.TooManyRequestsException;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hears {@code agentplane.runs.requested}. A request without a run id comes from outside: it goes
 * through the same intake as {@code POST /v1/runs}, and anything intake refuses (malformed, not
 * allowed, unknown agent, bad input) is dead-lettered with the reason, so the partition never
 * stalls. A request with a run id is intake's own dispatch message: the run is handed to this
 * instance's workers, which never block the poll loop. Dispatch messages skip the idempotent
 * consumer's ledger: they change nothing in the database, and the claim they lead to is itself a
 * compare-and-set on the run's epoch, so a redelivery (or a run this instance already started
 * eagerly) costs one refused claim at most, not a ledger row per run.
 */
@KafkaListener(groupId = "execution-service", offsetReset = OffsetReset.EARLIEST)
class RunRequestListener {

  static final String CONSUMER = "execution.run-requests";

  private final IdempotentConsumer consumer;
  private final RunIntake intake;
  private final RunWorkers workers;

  RunRequestListener(IdempotentConsumer consumer, RunIntake intake, RunWorkers workers) {
    this.consumer = consumer;
    this.intake = intake;
    this.workers = workers;
  }

  @Topic(Topics.RUNS_REQUESTED)
  void receive(ConsumerRecord<String, byte[]> record) {
    Optional<RunRequested> dispatched = dispatchedRun(record);
    if (dispatched.isPresent()) {
      workers.offer(dispatched.get().tenantId(), dispatched.get().runId());
      return;
    }
    consumer.process(
        CONSUMER,
        record,
        event -> {
          RunRequested request;
          try {
            request = EventEnvelope.unwrap(event, RunRequested.class);
          } catch (RuntimeException malformed) {
            throw new PoisonMessageException("not a run request: " + malformed.getMessage());
          }
          if (request.runId() != null) {
            workers.offer(request.tenantId(), request.runId());
            return;
          }
          if (request.requestedBy() == null) {
            throw new PoisonMessageException("requestedBy is required: whom does the run act for?");
          }
          try {
            // A consumer waiting for room would stall the partition like a retry in place.
            intake.acceptRequested(
                RunIntake.principalOf(request.tenantId(), request.requestedBy()),
                RunCommand.of(request));
          } catch (ProblemException refused) {
            // Over quota is not retried in place: the partition would stall every other tenant's
            // requests behind this tenant's backlog.
            if (refused.type().retryable() && !(refused instanceof TooManyRequestsException)) {
              throw refused;
            }
            throw new PoisonMessageException(
                refused.typeSlug() + ": " + refused.getMessage() + " " + refused.errors());
          }
        });
  }

  /**
   * The dispatch message handing a run over (its run id and tenant); empty for anything else, which
   * the ledger handles.
   */
  private static Optional<RunRequested> dispatchedRun(ConsumerRecord<String, byte[]> record) {
    try {
      return Optional.of(EventEnvelope.unwrap(EventEnvelope.fromKafka(record), RunRequested.class))
          .filter(request -> request.runId() != null);
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
