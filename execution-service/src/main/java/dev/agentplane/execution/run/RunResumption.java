package dev.agentplane.execution.run;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.execution.run.RunAuditTrail.Action;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.UUID;

/**
 * Resume: a run that failed or timed out (a provider outage, a deadline) goes back to the queue and
 * continues from its last checkpoint, as Temporal's reset replays a workflow from a point of its
 * history. One transaction puts it back ({@code queued}, its ending and lease cleared, a fresh
 * deadline at the next claim), records who did it, and writes its dispatch message; the claim that
 * follows moves the epoch on, and the loop announces {@code run.resumed} and carries on from the
 * newest checkpoint: finished steps are not repeated, the one that failed is tried again.
 */
@Singleton
public class RunResumption {

  private final RunRepository runs;
  private final RunAuditTrail audit;
  private final RunDispatch dispatch;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;

  RunResumption(
      RunRepository runs,
      RunAuditTrail audit,
      RunDispatch dispatch,
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions) {
    this.runs = runs;
    this.audit = audit;
    this.dispatch = dispatch;
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  /**
   * Puts the run back in the queue; answers it as it is right after ({@code queued}).
   *
   * @throws ConflictException {@code run-not-resumable} unless the run failed or timed out, also
   *     when another resume got there first
   */
  public Run resume(TenantPrincipal caller, UUID runId, String reason) {
    Run resumed =
        transactions.executeWrite(
            status -> {
              Run run =
                  runs.find(caller.tenantId(), runId).orElseThrow(() -> RunAccess.notFound(runId));
              RunAccess.resumable(caller, run);
              if (!run.status().resumable()) {
                throw notResumable(run.status());
              }
              // The status test is repeated under the row lock: a concurrent resume that committed
              // first leaves the run queued (or further), and this one updates nothing.
              Run requeued =
                  runs.requeue(caller.tenantId(), runId, RunStatus.RESUMABLE)
                      .orElseThrow(
                          () ->
                              notResumable(
                                  runs.find(caller.tenantId(), runId).orElseThrow().status()));
              audit.record(requeued, Action.RESUME, caller, reason, details(run));
              dispatch.enqueue(requeued, RunDispatch.requesterOf(caller));
              return requeued;
            });
    dispatch.offerLocally(resumed.tenantId(), resumed.id());
    return resumed;
  }

  /** What the run was resumed from: how it had ended, and the checkpoint it continues from. */
  private ObjectNode details(Run ended) {
    ObjectNode details =
        JsonNodeFactory.instance
            .objectNode()
            .put("fromStatus", ended.status().wire())
            .put("errorCode", ended.errorCode());
    Integer latest = latestCheckpoint(ended.id());
    if (latest == null) {
      // It ended before its first step did: it starts over from its input.
      details.putNull("fromSeq");
    } else {
      details.put("fromSeq", latest);
    }
    return details;
  }

  private Integer latestCheckpoint(UUID runId) {
    return jdbc.prepareStatement(
        "SELECT max(seq) FROM run_checkpoint WHERE run_id = ?",
        statement -> {
          statement.setObject(1, runId);
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return (Integer) rows.getObject(1);
          }
        });
  }

  private static ConflictException notResumable(RunStatus status) {
    return new ConflictException(
        "run-not-resumable",
        "Only a failed or timed-out run can be resumed; this one is " + status.wire());
  }
}
