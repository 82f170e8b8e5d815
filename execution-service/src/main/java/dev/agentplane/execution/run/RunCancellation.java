package dev.agentplane.execution.run;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.gate.ToolGates;
import dev.agentplane.execution.stream.RunNotifications;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Cooperative cancel: the request is recorded on the run; a queued run, or one parked for approvals
 * (whose requests are withdrawn), ends at once, a running one is stopped by its worker (wherever it
 * runs, woken through {@code NOTIFY}) at the next step boundary, its in-flight model or tool call
 * aborted. Child runs of agent-typed tools are cancelled along.
 */
@Singleton
public class RunCancellation {

  /** Who cancels when no user asked: the service itself. */
  private static final String PLATFORM = "execution-service";

  private final RunRepository runs;
  private final RunEventLog events;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final ToolGates gates;

  RunCancellation(
      RunRepository runs,
      RunEventLog events,
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions,
      ToolGates gates) {
    this.runs = runs;
    this.events = events;
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.gates = gates;
  }

  /** Asks for the run to be cancelled; answers the run as it is right after. */
  public Run cancel(TenantPrincipal caller, UUID runId, String reason) {
    return transactions.executeWrite(
        status -> {
          Run run =
              runs.find(caller.tenantId(), runId).orElseThrow(() -> RunAccess.notFound(runId));
          RunAccess.steerable(caller, run, "cancel");
          if (run.status().terminal()) {
            throw new ConflictException(
                "run-finished", "The run already ended (" + run.status().wire() + ")");
          }
          request(caller.tenantId(), runId, caller.subject(), reason);
          return runs.find(caller.tenantId(), runId).orElseThrow();
        });
  }

  /**
   * Cancels a run on behalf of the platform, if it has not ended: a child run whose parent stopped
   * waiting for it.
   */
  public void cancelForPlatform(String tenantId, UUID runId, String reason) {
    transactions.executeWrite(
        status -> {
          request(tenantId, runId, PLATFORM, reason);
          return null;
        });
  }

  /** Cancels the unfinished child runs of a run that just ended. */
  public void cancelChildrenOf(String tenantId, UUID parentRunId, String reason) {
    transactions.executeWrite(
        status -> {
          for (UUID child : runs.activeChildren(tenantId, parentRunId)) {
            request(tenantId, child, PLATFORM, reason);
          }
          return null;
        });
  }

  private void request(String tenantId, UUID runId, String by, String reason) {
    Run locked = runs.requestCancel(tenantId, runId, by, reason).orElse(null);
    if (locked == null || locked.status().terminal()) {
      return;
    }
    if (locked.status() == RunStatus.QUEUED || locked.status() == RunStatus.WAITING_APPROVAL) {
      endUnattended(locked);
    } else {
      jdbc.prepareStatement(
          "SELECT pg_notify(?, ?)",
          statement -> {
            statement.setString(1, RunNotifications.CANCEL_CHANNEL);
            statement.setString(2, runId.toString());
            return statement.execute();
          });
    }
    for (UUID child : runs.activeChildren(tenantId, runId)) {
      request(tenantId, child, by, "The parent run " + runId + " was cancelled");
    }
  }

  /** Ends a run no worker holds: queued, or parked for approvals (whose requests are withdrawn). */
  private void endUnattended(Run run) {
    jdbc.prepareStatement(
        """
        UPDATE run SET status = 'cancelled', error_code = 'cancelled', error_message = ?,
            finished_at = now()
        WHERE id = ?
        """,
        statement -> {
          statement.setString(1, run.cancelReason());
          statement.setObject(2, run.id());
          return statement.executeUpdate();
        });
    if (run.status() == RunStatus.WAITING_APPROVAL) {
      gates.closeWaiting(run.id());
    }
    long seq = events.reserve(run.id(), 1);
    events.append(
        List.of(
            new RunEvent.RunCancelled(
                UUID.randomUUID(),
                Instant.now(),
                1,
                run.tenantId(),
                run.id(),
                run.agentId(),
                seq,
                run.cancelRequestedBy(),
                run.cancelReason())));
  }
}
