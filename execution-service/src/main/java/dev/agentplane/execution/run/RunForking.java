package dev.agentplane.execution.run;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.execution.run.RunAuditTrail.Action;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Fork (time travel): a new debug run that starts from one checkpoint of an existing run, as
 * LangGraph forks a thread from a checkpoint. The fork runs the origin's snapshot with its input,
 * metadata and time limit; its first checkpoint is the origin's, copied under the fork's id with
 * the same number, so the loop continues from there and numbers the fork's own checkpoints on from
 * it. The origin is left as it was. One transaction writes the fork, its checkpoint, its {@code
 * run.queued} event, the origin's audit entry and the dispatch message.
 */
@Singleton
public class RunForking {

  private final RunRepository runs;
  private final RunEventLog events;
  private final RunAuditTrail audit;
  private final RunDispatch dispatch;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;

  RunForking(
      RunRepository runs,
      RunEventLog events,
      RunAuditTrail audit,
      RunDispatch dispatch,
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions) {
    this.runs = runs;
    this.events = events;
    this.audit = audit;
    this.dispatch = dispatch;
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  /**
   * Forks run {@code originId} at {@code request.fromSeq()}; answers the new run ({@code queued}).
   *
   * @throws ValidationFailedException at {@code /fromSeq} when the run has no such checkpoint
   *     (never had, or retention pruned it)
   */
  public Run fork(TenantPrincipal caller, UUID originId, ForkRequest request) {
    RunAccess.mayStart(caller, RunMode.DEBUG);
    Run fork =
        transactions.executeWrite(
            status -> {
              Run origin =
                  runs.find(caller.tenantId(), originId)
                      .orElseThrow(() -> RunAccess.notFound(originId));
              RunAccess.forkable(caller, origin);
              Run branch = branchOf(origin, caller, request.fromSeq());
              runs.insert(branch);
              if (!copyCheckpoint(origin, request.fromSeq(), branch.id())) {
                throw noCheckpoint(origin, request.fromSeq());
              }
              events.append(List.of(RunIntake.queued(branch)));
              audit.record(
                  origin,
                  Action.FORK,
                  caller,
                  request.reason(),
                  JsonNodeFactory.instance
                      .objectNode()
                      .put("forkRunId", branch.id().toString())
                      .put("fromSeq", request.fromSeq()));
              dispatch.enqueue(branch, RunDispatch.requesterOf(caller));
              return branch;
            });
    dispatch.offerLocally(fork.tenantId(), fork.id());
    return fork;
  }

  /**
   * The fork as a new run of the caller's: the origin's agent version, snapshot, input, metadata
   * and time limit; top-level (no parent), whatever the origin's place under a parent run was.
   */
  private static Run branchOf(Run origin, TenantPrincipal caller, int fromSeq) {
    return new Run(
        UUID.randomUUID(),
        origin.tenantId(),
        origin.agentId(),
        origin.agentName(),
        origin.agentVersion(),
        origin.specHash(),
        RunMode.DEBUG,
        RunStatus.QUEUED,
        origin.input(),
        null,
        origin.snapshot(),
        origin.metadata(),
        null,
        null,
        caller.subject(),
        caller.principalType(),
        caller.roles().stream().map(Role::claimValue).sorted().toList(),
        null,
        null,
        0,
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
        origin.timeoutSeconds(),
        null,
        Instant.now(),
        null,
        null,
        new Run.ForkOrigin(origin.id(), fromSeq));
  }

  /**
   * Copies the origin's checkpoint {@code seq}, state untouched, as the fork's first: same number
   * (the state inside carries it, and the loop numbers the next one after it), no parent in the
   * fork, epoch 0 (no claim of the fork wrote it). False when there is no such checkpoint.
   */
  private boolean copyCheckpoint(Run origin, int seq, UUID forkId) {
    return jdbc.prepareStatement(
            """
            INSERT INTO run_checkpoint (run_id, seq, parent_seq, tenant_id, epoch, step, state)
            SELECT ?, seq, NULL, tenant_id, 0, step, state FROM run_checkpoint
            WHERE run_id = ? AND tenant_id = ? AND seq = ?
            """,
            statement -> {
              statement.setObject(1, forkId);
              statement.setObject(2, origin.id());
              statement.setString(3, origin.tenantId());
              statement.setInt(4, seq);
              return statement.executeUpdate();
            })
        == 1;
  }

  /** The 422 for a checkpoint the run does not have, saying which ones it has. */
  private ValidationFailedException noCheckpoint(Run origin, int seq) {
    String held =
        jdbc.prepareStatement(
            "SELECT min(seq), max(seq), count(*) FROM run_checkpoint WHERE run_id = ?",
            statement -> {
              statement.setObject(1, origin.id());
              try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long count = rows.getLong(3);
                if (count == 0) {
                  return "it has no checkpoints";
                }
                int first = rows.getInt(1);
                int last = rows.getInt(2);
                return count == (long) last - first + 1
                    ? "it has checkpoints " + first + " to " + last
                    : "it has " + count + " checkpoints between " + first + " and " + last;
              }
            });
    String message =
        "Run "
            + origin.id()
            + " has no checkpoint "
            + seq
            + " (never written, or pruned by retention); "
            + held;
    return new ValidationFailedException(
        message, List.of(new FieldError("/fromSeq", "no_such_checkpoint", message)));
  }
}
