package dev.agentplane.execution.gate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunDispatch;
import dev.agentplane.execution.run.RunEventLog;
import dev.agentplane.execution.run.RunRepository;
import dev.agentplane.execution.run.RunStatus;
import dev.agentplane.kit.outbox.Outbox;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gates of gated tool calls ({@code run_gate}): opened by the run's worker together with their
 * approval requests, decided once by the decision that arrives on {@code approvals.decided}, closed
 * when the run ends first. Every method but {@link #ofRun} works in the caller's transaction.
 *
 * <p>A decision and a worker parking its run both lock the run's row first, so whichever comes
 * second sees what the first did: a run parks only while a gate is still waiting, and the decision
 * that closes its last waiting gate is the one that queues it again.
 */
@Singleton
public class ToolGates {

  private static final Logger LOG = LoggerFactory.getLogger(ToolGates.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "run_id, tool_call_id, approval_id, tool_name, arguments::text, status,"
          + " final_arguments::text, arguments_diff::text, reason, decided_by";

  private final JdbcOperations jdbc;
  private final Outbox outbox;
  private final RunEventLog events;
  private final RunRepository runs;
  private final RunDispatch dispatch;
  private final ApprovalGateSettings settings;
  private final TransactionOperations<Connection> transactions;
  private final ApprovalWithdrawals withdrawals;

  ToolGates(
      JdbcOperations jdbc,
      Outbox outbox,
      RunEventLog events,
      RunRepository runs,
      RunDispatch dispatch,
      ApprovalGateSettings settings,
      TransactionOperations<Connection> transactions,
      ApprovalWithdrawals withdrawals) {
    this.jdbc = jdbc;
    this.outbox = outbox;
    this.events = events;
    this.runs = runs;
    this.dispatch = dispatch;
    this.settings = settings;
    this.transactions = transactions;
    this.withdrawals = withdrawals;
  }

  /** The run's gates by tool call id; in a transaction of its own unless the caller has one. */
  public Map<String, Gate> ofRun(UUID runId) {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                "SELECT " + COLUMNS + " FROM run_gate WHERE run_id = ?",
                statement -> {
                  statement.setObject(1, runId);
                  Map<String, Gate> gates = new LinkedHashMap<>();
                  try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                      Gate gate = gate(rows);
                      gates.put(gate.toolCallId(), gate);
                    }
                  }
                  return gates;
                }));
  }

  /**
   * Opens a gate per request and asks the approval service to decide each; a gate that is already
   * open (a worker repeating the step after a crash) is left as it is and asked for once only.
   */
  public List<Gate> open(Run run, List<GateRequest> requests, Instant now) {
    List<Gate> opened = new ArrayList<>(requests.size());
    for (GateRequest request : requests) {
      UUID approvalId = Gate.approvalIdOf(run.id(), request.toolCallId());
      boolean inserted =
          jdbc.prepareStatement(
                  """
                  INSERT INTO run_gate (run_id, tool_call_id, tenant_id, approval_id, tool_name,
                      arguments, status, requested_at)
                  VALUES (?, ?, ?, ?, ?, ?::jsonb, 'waiting', ?)
                  ON CONFLICT (run_id, tool_call_id) DO NOTHING
                  """,
                  statement -> {
                    statement.setObject(1, run.id());
                    statement.setString(2, request.toolCallId());
                    statement.setString(3, run.tenantId());
                    statement.setObject(4, approvalId);
                    statement.setString(5, request.toolName());
                    statement.setString(6, request.arguments().toString());
                    statement.setTimestamp(7, Timestamp.from(now));
                    return statement.executeUpdate();
                  })
              == 1;
      if (inserted) {
        outbox.enqueue(approvalRequested(run, request, approvalId, now));
      }
      opened.add(
          new Gate(
              run.id(),
              request.toolCallId(),
              approvalId,
              request.toolName(),
              request.arguments(),
              GateStatus.WAITING,
              null,
              null,
              null,
              List.of()));
    }
    return opened;
  }

  /** Whether a gate of the run is still waiting; read after the caller locked the run's row. */
  public boolean anyWaiting(UUID runId) {
    return jdbc.prepareStatement(
        "SELECT EXISTS (SELECT 1 FROM run_gate WHERE run_id = ? AND status = 'waiting')",
        statement -> {
          statement.setObject(1, runId);
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getBoolean(1);
          }
        });
  }

  /**
   * Closes the waiting gates of a run that is ending; their approval requests are withdrawn once
   * the caller's transaction committed ({@link ApprovalWithdrawals}).
   */
  public void closeWaiting(UUID runId) {
    int closed =
        jdbc.prepareStatement(
            """
        UPDATE run_gate SET status = 'cancelled', decided_at = now()
        WHERE run_id = ? AND status = 'waiting'
        """,
            statement -> {
              statement.setObject(1, runId);
              return statement.executeUpdate();
            });
    if (closed > 0) {
      transactions
          .findTransactionStatus()
          .orElseThrow(() -> new IllegalStateException("Gates close inside the run's ending"))
          .registerSynchronization(
              new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                  withdrawals.soon();
                }
              });
    }
  }

  /**
   * Applies a decision to its gate, once: a gate no longer waiting (decided before, closed by its
   * run ending) is left alone. The decision goes into the run's events; when it closes the last
   * waiting gate of a parked run, the run is queued again for any instance's workers.
   *
   * @return the run queued again, if this decision did that
   */
  public Optional<UUID> decide(ApprovalDecided decision) {
    Optional<UUID> runId = runOf(decision.approvalId(), decision.tenantId());
    if (runId.isEmpty()) {
      LOG.warn(
          "A decision for approval {} of tenant {} matches no gated tool call; ignored",
          decision.approvalId(),
          decision.tenantId());
      return Optional.empty();
    }
    Run run = runs.lock(runId.get()).orElseThrow();
    GateStatus status =
        switch (decision.outcome()) {
          case APPROVED -> GateStatus.APPROVED;
          case REJECTED, CANCELLED -> GateStatus.REJECTED;
          case EXPIRED -> GateStatus.EXPIRED;
        };
    Optional<Gate> decided = record(decision, status);
    if (decided.isEmpty()) {
      return Optional.empty();
    }
    Gate gate = decided.get();
    long seq = events.reserve(run.id(), 1);
    events.append(
        List.of(
            new RunEvent.ToolApprovalDecided(
                UUID.randomUUID(),
                Instant.now(),
                1,
                run.tenantId(),
                run.id(),
                run.agentId(),
                seq,
                gate.toolCallId(),
                gate.toolName(),
                gate.approvalId(),
                decision.outcome(),
                decision.decidedBy(),
                decision.reason(),
                emptyToNull(decision.argumentsDiff()))));
    if (run.status() != RunStatus.WAITING_APPROVAL || anyWaiting(run.id())) {
      return Optional.empty();
    }
    jdbc.prepareStatement(
        "UPDATE run SET status = 'queued' WHERE id = ? AND status = 'waiting_approval'",
        statement -> {
          statement.setObject(1, run.id());
          return statement.executeUpdate();
        });
    dispatch.enqueue(run, RunDispatch.creatorOf(run));
    return Optional.of(run.id());
  }

  private Optional<UUID> runOf(UUID approvalId, String tenantId) {
    return jdbc.prepareStatement(
        "SELECT run_id FROM run_gate WHERE approval_id = ? AND tenant_id = ?",
        statement -> {
          statement.setObject(1, approvalId);
          statement.setString(2, tenantId);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(rows.getObject(1, UUID.class)) : Optional.empty();
          }
        });
  }

  private Optional<Gate> record(ApprovalDecided decision, GateStatus status) {
    return jdbc.prepareStatement(
        """
        UPDATE run_gate SET status = ?, final_arguments = ?::jsonb, arguments_diff = ?::jsonb,
            reason = ?, decided_by = ?, decided_at = ?
        WHERE approval_id = ? AND status = 'waiting'
        RETURNING
        """
            + COLUMNS,
        statement -> {
          statement.setString(1, status.wire());
          statement.setString(
              2,
              status == GateStatus.APPROVED && isObject(decision.finalArguments())
                  ? decision.finalArguments().toString()
                  : null);
          JsonNode diff = emptyToNull(decision.argumentsDiff());
          statement.setString(3, diff == null ? null : diff.toString());
          statement.setString(4, decision.reason());
          statement.setArray(
              5, statement.getConnection().createArrayOf("text", decision.decidedBy().toArray()));
          statement.setTimestamp(
              6,
              Timestamp.from(decision.decidedAt() == null ? Instant.now() : decision.decidedAt()));
          statement.setObject(7, decision.approvalId());
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(gate(rows)) : Optional.empty();
          }
        });
  }

  private ApprovalRequested approvalRequested(
      Run run, GateRequest request, UUID approvalId, Instant now) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode context = nodes.objectNode();
    context.put("runId", run.id().toString());
    context.put("agentId", run.agentId().toString());
    context.put("agentName", run.agentName());
    context.put("agentVersion", run.agentVersion());
    context.put("mode", run.mode().name().toLowerCase(Locale.ROOT));
    context.put("step", request.step());
    context.put("toolCallId", request.toolCallId());
    context.put("toolName", request.toolName());
    context.set("arguments", request.arguments());
    if (request.inputSchema() != null && !request.inputSchema().isMissingNode()) {
      context.set("inputSchema", request.inputSchema());
    }
    context.put("risk", request.risk());
    if (request.reason() != null && !request.reason().isBlank()) {
      context.put("reason", request.reason());
    }
    context.put("link", "/v1/runs/" + run.id());
    return new ApprovalRequested(
        UUID.randomUUID(),
        now,
        1,
        run.tenantId(),
        approvalId,
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(run.id(), request.toolCallId()),
        RunDispatch.creatorOf(run),
        "Call " + request.toolName() + " for agent " + run.agentName(),
        "The agent "
            + run.agentName()
            + " (run "
            + run.id()
            + ") asks to call the "
            + request.risk()
            + "-risk tool "
            + request.toolName()
            + "; the call waits for a decision.",
        context,
        new ApprovalPolicy(
            settings.requiredApprovals(),
            settings.approverRoles(),
            true,
            now.plus(settings.expireAfter()),
            ExpiryOutcome.REJECT));
  }

  private static Gate gate(ResultSet rows) throws SQLException {
    Array decidedBy = rows.getArray("decided_by");
    return new Gate(
        rows.getObject("run_id", UUID.class),
        rows.getString("tool_call_id"),
        rows.getObject("approval_id", UUID.class),
        rows.getString("tool_name"),
        parse(rows.getString("arguments")),
        GateStatus.fromWire(rows.getString("status")),
        parse(rows.getString("final_arguments")),
        parse(rows.getString("arguments_diff")),
        rows.getString("reason"),
        decidedBy == null ? List.of() : Arrays.asList((String[]) decidedBy.getArray()));
  }

  private static JsonNode parse(String json) {
    if (json == null) {
      return null;
    }
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A stored gate does not parse", e);
    }
  }

  private static boolean isObject(JsonNode node) {
    return node != null && node.isObject();
  }

  private static JsonNode emptyToNull(JsonNode diff) {
    return diff == null || diff.isNull() || (diff.isArray() && diff.isEmpty()) ? null : diff;
  }
}
