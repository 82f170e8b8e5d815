package dev.agentplane.execution.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.loop.LoopSettings;
import dev.agentplane.execution.registry.AgentNotResolvable;
import dev.agentplane.execution.registry.AgentResolutions;
import dev.agentplane.execution.registry.AgentSnapshot;
import dev.agentplane.execution.registry.RegistryUnavailableException;
import dev.agentplane.kit.json.TenantSchemas;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.problem.ServiceUnavailableException;
import dev.agentplane.kit.problem.TooManyRequestsException;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Accepts run requests (HTTP, Kafka, agent-typed tools): checks who may start what, resolves the
 * agent once through the registry (or its recent answer, {@link AgentResolutions}) and snapshots
 * it, checks the input, then writes the run, its {@code run.queued} event and its dispatch message
 * in one transaction. Workers are fed from that dispatch message on {@code
 * agentplane.runs.requested}; PostgreSQL stays the truth.
 */
@Singleton
public class RunIntake {

  /** The run's place under a parent run, for runs started by an agent-typed tool. */
  public record Parent(UUID runId, String toolCallId, int depth) {}

  /** A run accepted now, or earlier under the same idempotency key. */
  public record Accepted(Run run, boolean replayed) {}

  private final RunRepository runs;
  private final RunEventLog events;
  private final RunDispatch dispatch;
  private final AgentResolutions registry;
  private final TransactionOperations<Connection> transactions;
  private final LoopSettings loop;
  private final TenantQuotas quotas;
  private final IntakeAdmission admission;

  RunIntake(
      RunRepository runs,
      RunEventLog events,
      RunDispatch dispatch,
      AgentResolutions registry,
      TransactionOperations<Connection> transactions,
      LoopSettings loop,
      TenantQuotas quotas,
      IntakeAdmission admission) {
    this.runs = runs;
    this.events = events;
    this.dispatch = dispatch;
    this.registry = registry;
    this.transactions = transactions;
    this.loop = loop;
    this.quotas = quotas;
    this.admission = admission;
  }

  /**
   * Accepts a run for {@code caller}, waiting up to {@code patience} for its turn at the in-flight
   * caps ({@link IntakeAdmission}) and for room in its tenant's queue ({@link TenantQuotas}).
   *
   * @throws ForbiddenException when the caller may not start a run of that mode
   * @throws ConflictException when the idempotency key was used for another request, or the agent
   *     cannot run in that mode
   * @throws ValidationFailedException when the agent does not exist or the input does not match
   * @throws TooManyRequestsException when the tenant still has its quota of queued runs, or the
   *     caller or its tenant its cap of requests in flight, or the tenant has no turn at its intake
   *     rate, once {@code patience} has passed; nothing is written
   */
  public Accepted accept(
      TenantPrincipal caller, RunCommand command, Parent parent, Duration patience) {
    RunAccess.mayStart(caller, command.mode());
    if (parent != null) {
      // A child run is its parent's tool call, made by a worker: never refused for the crowd.
      return acceptAdmitted(caller, command, parent, System.nanoTime(), false);
    }
    return acceptTopLevel(caller, command, patience, true);
  }

  /**
   * Accepts a run requested on Kafka, without waiting: at once or refused. Its tenant's intake rate
   * does not meter it; the consumer takes requests one at a time, and the queued quota bounds them.
   *
   * @throws TooManyRequestsException when the tenant has its quota of queued runs, or the caller or
   *     its tenant its cap of requests in flight
   * @see #accept
   */
  public Accepted acceptRequested(TenantPrincipal caller, RunCommand command) {
    RunAccess.mayStart(caller, command.mode());
    return acceptTopLevel(caller, command, Duration.ZERO, false);
  }

  /** A top-level run, once its turn at the in-flight caps ({@link IntakeAdmission}) has come. */
  private Accepted acceptTopLevel(
      TenantPrincipal caller, RunCommand command, Duration patience, boolean metered) {
    long deadline = System.nanoTime() + patience.toNanos();
    try (IntakeAdmission.Admitted admitted = admission.admit(caller, deadline)) {
      return acceptAdmitted(caller, command, null, deadline, metered);
    }
  }

  private Accepted acceptAdmitted(
      TenantPrincipal caller, RunCommand command, Parent parent, long deadline, boolean metered) {
    String fingerprint = command.fingerprint();
    if (command.idempotencyKey() != null) {
      var earlier =
          transactions.executeRead(
              status -> runs.findByIdempotencyKey(caller.tenantId(), command.idempotencyKey()));
      if (earlier.isPresent()) {
        return replay(earlier.get(), caller, fingerprint);
      }
    }
    AgentSnapshot snapshot = resolve(caller.tenantId(), command);
    List<FieldError> invalid =
        TenantSchemas.violations(snapshot.spec().path("inputSchema"), command.input(), "/input");
    if (!snapshot.spec().path("inputSchema").isMissingNode() && !invalid.isEmpty()) {
      throw new ValidationFailedException(
          "The input does not match the agent's inputSchema", invalid);
    }
    if (metered) {
      // After the checks, as the queue's wait below: a retry of an accepted request, or a
      // request refused for its input, takes no turn.
      quotas.awaitIntakeTurn(caller.tenantId(), deadline);
    }
    while (true) {
      if (parent == null) {
        // After the idempotency lookup, so that a retry of an accepted request still gets its
        // 202; after the checks, so that a request given its turn to count does count.
        quotas.awaitRoom(caller.tenantId(), deadline);
      }
      Run run = newRun(caller, command, parent, snapshot, fingerprint);
      Optional<Accepted> outcome = write(run, caller, command, fingerprint);
      if (outcome.isPresent()) {
        if (!outcome.get().replayed()) {
          dispatch.offerLocally(run.tenantId(), run.id());
        }
        return outcome.get();
      }
      if (parent != null || !quotas.remembersFullQueues() || System.nanoTime() - deadline >= 0) {
        throw quotas.queuedQuotaReached(caller.tenantId());
      }
    }
  }

  /** The run written, or empty when its tenant's queue was full (nothing written). */
  private Optional<Accepted> write(
      Run run, TenantPrincipal caller, RunCommand command, String fingerprint) {
    return transactions.executeWrite(
        status -> {
          if (!runs.insert(run)) {
            Run earlier =
                runs.findByIdempotencyKey(caller.tenantId(), command.idempotencyKey())
                    .orElseThrow();
            return Optional.of(replay(earlier, caller, fingerprint));
          }
          if (!quotas.admitQueued(run.tenantId())) {
            status.setRollbackOnly();
            return Optional.empty();
          }
          events.append(List.of(queued(run)));
          dispatch.enqueue(run, RunDispatch.requesterOf(caller));
          return Optional.of(new Accepted(run, false));
        });
  }

  /** The first event of a new run (sequence 1, which its {@code last_seq} starts at). */
  static RunEvent.RunQueued queued(Run run) {
    return new RunEvent.RunQueued(
        UUID.randomUUID(),
        run.createdAt(),
        1,
        run.tenantId(),
        run.id(),
        run.agentId(),
        1,
        run.agentVersion(),
        run.mode());
  }

  /** Who a Kafka request acts for, as its event says (the producer vouched for it). */
  public static TenantPrincipal principalOf(String tenantId, Requester requester) {
    var roles = EnumSet.noneOf(Role.class);
    requester.roles().forEach(claim -> Role.fromClaim(claim).ifPresent(roles::add));
    return new TenantPrincipal(tenantId, requester.subject(), roles, requester.principalType());
  }

  private AgentSnapshot resolve(String tenantId, RunCommand command) {
    try {
      return registry.resolve(tenantId, command.agent(), command.version(), command.mode());
    } catch (AgentNotResolvable e) {
      if (e.missing()) {
        throw new ValidationFailedException(e.getMessage(), e.errors());
      }
      throw new ConflictException("agent-not-runnable", e.getMessage(), e.errors());
    } catch (RegistryUnavailableException e) {
      throw new ServiceUnavailableException(
          "registry-unavailable", "The registry cannot resolve the agent now; retry shortly");
    }
  }

  /**
   * The earlier run again, for its creator retrying the same request. Another principal reusing the
   * key learns nothing about the run (it may not be allowed to read it).
   */
  private static Accepted replay(Run earlier, TenantPrincipal caller, String fingerprint) {
    boolean sameCaller =
        earlier.createdBy().equals(caller.subject())
            && earlier.creatorType() == caller.principalType();
    if (!sameCaller) {
      throw new ConflictException(
          "idempotency-key-reused",
          "The idempotencyKey is already used in this tenant; use a new key for a new request");
    }
    if (!fingerprint.equals(earlier.requestHash())) {
      throw new ConflictException(
          "idempotency-key-reused",
          "The idempotencyKey was used for run "
              + earlier.id()
              + " with a different request; use a new key for a new request");
    }
    return new Accepted(earlier, true);
  }

  private Run newRun(
      TenantPrincipal caller,
      RunCommand command,
      Parent parent,
      AgentSnapshot snapshot,
      String fingerprint) {
    ObjectNode metadata = JsonNodeFactory.instance.objectNode();
    command.metadata().forEach(metadata::put);
    JsonNode policy = snapshot.spec().path("policy");
    int timeoutSeconds =
        policy.path("timeoutSeconds").asInt((int) loop.defaultTimeout().toSeconds());
    return new Run(
        UUID.randomUUID(),
        caller.tenantId(),
        snapshot.agent().resourceId(),
        snapshot.agent().name(),
        snapshot.agent().version(),
        snapshot.agent().specHash(),
        command.mode(),
        RunStatus.QUEUED,
        command.input(),
        null,
        snapshot.resolved(),
        metadata,
        command.idempotencyKey(),
        fingerprint,
        caller.subject(),
        caller.principalType(),
        caller.roles().stream().map(Role::claimValue).sorted().toList(),
        parent == null ? null : parent.runId(),
        parent == null ? null : parent.toolCallId(),
        parent == null ? 0 : parent.depth(),
        0,
        0,
        0,
        0,
        null,
        null,
        1,
        0,
        null,
        null,
        null,
        timeoutSeconds,
        null,
        Instant.now(),
        null,
        null,
        null);
  }
}
