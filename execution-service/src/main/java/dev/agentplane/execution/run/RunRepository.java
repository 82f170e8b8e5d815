package dev.agentplane.execution.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.RunMode;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL for runs. Every query the API uses names the tenant: another tenant's run is as absent as one
 * that never existed; row-level security holds every statement to the transaction's tenant besides
 * (the sweeper, which looks across tenants, is a job of its own). Callers run inside the use case's
 * transaction.
 */
@Singleton
public class RunRepository {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static final String COLUMNS =
      """
      id, tenant_id, agent_id, agent_name, agent_version, spec_hash, mode, status,
      input::text AS input, output::text AS output, snapshot::text AS snapshot,
      metadata::text AS metadata, idempotency_key, request_hash, created_by, creator_type,
      creator_roles, parent_run_id, parent_tool_call_id, depth, steps, input_tokens,
      output_tokens, cost_micros, error_code, error_message, last_seq, epoch,
      cancel_requested_at, cancel_requested_by, cancel_reason, timeout_seconds, deadline_at,
      created_at, started_at, finished_at, forked_from_run_id, forked_from_seq
      """;

  private final JdbcOperations jdbc;

  RunRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a queued run; false when its idempotency key is taken in the tenant. */
  boolean insert(Run run) {
    return jdbc.prepareStatement(
            """
            INSERT INTO run (id, tenant_id, agent_id, agent_name, agent_version, spec_hash, mode,
                status, input, snapshot, metadata, idempotency_key, request_hash, created_by,
                creator_type, creator_roles, parent_run_id, parent_tool_call_id, depth, last_seq,
                timeout_seconds, created_at, forked_from_run_id, forked_from_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?,
                ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """,
            statement -> {
              statement.setObject(1, run.id());
              statement.setString(2, run.tenantId());
              statement.setObject(3, run.agentId());
              statement.setString(4, run.agentName());
              statement.setInt(5, run.agentVersion());
              statement.setString(6, run.specHash());
              statement.setString(7, wire(run.mode()));
              statement.setString(8, run.status().wire());
              statement.setString(9, run.input().toString());
              statement.setString(10, run.snapshot().toString());
              statement.setString(11, run.metadata().toString());
              statement.setString(12, run.idempotencyKey());
              statement.setString(13, run.requestHash());
              statement.setString(14, run.createdBy());
              statement.setString(15, wire(run.creatorType()));
              statement.setArray(16, textArray(statement, run.creatorRoles()));
              statement.setObject(17, run.parentRunId());
              statement.setString(18, run.parentToolCallId());
              statement.setInt(19, run.depth());
              statement.setLong(20, run.lastSeq());
              statement.setInt(21, run.timeoutSeconds());
              statement.setTimestamp(22, Timestamp.from(run.createdAt()));
              Run.ForkOrigin fork = run.forkedFrom();
              statement.setObject(23, fork == null ? null : fork.runId());
              if (fork == null) {
                statement.setNull(24, Types.INTEGER);
              } else {
                statement.setInt(24, fork.seq());
              }
              return statement.executeUpdate();
            })
        == 1;
  }

  public Optional<Run> find(String tenantId, UUID runId) {
    return one(
        "SELECT " + COLUMNS + " FROM run WHERE tenant_id = ? AND id = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, runId);
        });
  }

  /**
   * The run without a tenant filter: for workers, which know run ids only. Row-level security still
   * shows only the runs of the tenant in scope.
   */
  @ReadOnly
  public Optional<Run> findAnyTenant(UUID runId) {
    return one(
        "SELECT " + COLUMNS + " FROM run WHERE id = ?", statement -> statement.setObject(1, runId));
  }

  /** The run, its row locked until the caller's transaction ends; of the tenant in scope. */
  public Optional<Run> lock(UUID runId) {
    return one(
        "SELECT " + COLUMNS + " FROM run WHERE id = ? FOR UPDATE",
        statement -> statement.setObject(1, runId));
  }

  Optional<Run> findByIdempotencyKey(String tenantId, String key) {
    return one(
        "SELECT " + COLUMNS + " FROM run WHERE tenant_id = ? AND idempotency_key = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, key);
        });
  }

  /** Filters of the run list; null means any. */
  record ListFilter(
      UUID agentId,
      String agentName,
      RunStatus status,
      RunMode mode,
      String creator,
      UUID parentRunId) {}

  /** Keyset position: runs strictly older than this one. */
  record ListPosition(Instant createdAt, UUID id) {}

  List<Run> list(String tenantId, ListFilter filter, ListPosition after, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM run WHERE tenant_id = ?");
    List<Object> args = new ArrayList<>(List.of(tenantId));
    if (filter.agentId() != null) {
      sql.append(" AND agent_id = ?");
      args.add(filter.agentId());
    }
    if (filter.agentName() != null) {
      sql.append(" AND agent_name = ?");
      args.add(filter.agentName());
    }
    if (filter.status() != null) {
      sql.append(" AND status = ?");
      args.add(filter.status().wire());
    }
    if (filter.mode() != null) {
      sql.append(" AND mode = ?");
      args.add(wire(filter.mode()));
    }
    if (filter.creator() != null) {
      sql.append(" AND created_by = ?");
      args.add(filter.creator());
    }
    if (filter.parentRunId() != null) {
      sql.append(" AND parent_run_id = ?");
      args.add(filter.parentRunId());
    }
    if (after != null) {
      sql.append(" AND (created_at, id) < (?, ?)");
      args.add(Timestamp.from(after.createdAt()));
      args.add(after.id());
    }
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
    args.add(limit);
    return jdbc.prepareStatement(
        sql.toString(),
        statement -> {
          for (int i = 0; i < args.size(); i++) {
            statement.setObject(i + 1, args.get(i));
          }
          return rows(statement.executeQuery());
        });
  }

  /** Direct children of a run (agent-typed tool calls), for cancelling them along. */
  public List<UUID> activeChildren(String tenantId, UUID parentRunId) {
    return jdbc.prepareStatement(
        """
        SELECT id FROM run WHERE tenant_id = ? AND parent_run_id = ?
            AND status IN ('queued', 'running', 'waiting_approval')
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, parentRunId);
          List<UUID> ids = new ArrayList<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getObject(1, UUID.class));
            }
          }
          return ids;
        });
  }

  /**
   * Records a cancel request unless the run is terminal; answers the run as it is now (locked until
   * the transaction ends), empty when it does not exist in the tenant.
   */
  Optional<Run> requestCancel(String tenantId, UUID runId, String by, String reason) {
    jdbc.prepareStatement(
        """
        UPDATE run SET cancel_requested_at = coalesce(cancel_requested_at, now()),
            cancel_requested_by = coalesce(cancel_requested_by, ?),
            cancel_reason = coalesce(cancel_reason, ?)
        WHERE tenant_id = ? AND id = ? AND status IN ('queued', 'running', 'waiting_approval')
        """,
        statement -> {
          statement.setString(1, by);
          statement.setString(2, reason);
          statement.setString(3, tenantId);
          statement.setObject(4, runId);
          return statement.executeUpdate();
        });
    return one(
        "SELECT " + COLUMNS + " FROM run WHERE tenant_id = ? AND id = ? FOR UPDATE",
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, runId);
        });
  }

  /**
   * Puts an ended run back in the queue, if it is still in one of {@code from} when its row lock is
   * granted (compare-and-set: of two racing callers, the second finds it queued and gets nothing).
   * Everything of the ending goes (output, error, finish time, a leftover cancel request) and so do
   * the lease and the deadline: the next claim sets a fresh deadline from {@code timeout_seconds}.
   * The checkpoints stay, and so does the epoch, which the claim moves on; retention, which may
   * have pruned the run, considers it afresh once it ends again. Answers the run as it is now,
   * empty when it was not in one of {@code from}.
   */
  Optional<Run> requeue(String tenantId, UUID runId, Collection<RunStatus> from) {
    return one(
        """
        UPDATE run SET status = 'queued', output = NULL, error_code = NULL, error_message = NULL,
            finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, deadline_at = NULL,
            time_left_ms = NULL,
            cancel_requested_at = NULL, cancel_requested_by = NULL, cancel_reason = NULL,
            checkpoints_pruned = false
        WHERE tenant_id = ? AND id = ? AND status = ANY(?)
        RETURNING
        """
            + COLUMNS,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, runId);
          statement.setArray(3, textArray(statement, from.stream().map(RunStatus::wire).toList()));
        });
  }

  /** Totals of the tenant's runs created in [from, to). */
  record UsageTotals(long runs, long steps, long inputTokens, long outputTokens, long costMicros) {}

  UsageTotals usage(String tenantId, Instant from, Instant to) {
    return jdbc.prepareStatement(
        """
        SELECT count(*), coalesce(sum(steps), 0), coalesce(sum(input_tokens), 0),
            coalesce(sum(output_tokens), 0), coalesce(sum(cost_micros), 0)
        FROM run WHERE tenant_id = ? AND created_at >= ? AND created_at < ?
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setTimestamp(2, Timestamp.from(from));
          statement.setTimestamp(3, Timestamp.from(to));
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return new UsageTotals(
                rows.getLong(1),
                rows.getLong(2),
                rows.getLong(3),
                rows.getLong(4),
                rows.getLong(5));
          }
        });
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private Optional<Run> one(String sql, Binder binder) {
    return jdbc.prepareStatement(
        sql,
        statement -> {
          binder.bind(statement);
          List<Run> rows = rows(statement.executeQuery());
          return rows.isEmpty() ? Optional.<Run>empty() : Optional.of(rows.getFirst());
        });
  }

  public static List<Run> rows(ResultSet rows) throws SQLException {
    try (rows) {
      List<Run> runs = new ArrayList<>();
      while (rows.next()) {
        runs.add(read(rows));
      }
      return runs;
    }
  }

  static Run read(ResultSet row) throws SQLException {
    return new Run(
        row.getObject("id", UUID.class),
        row.getString("tenant_id"),
        row.getObject("agent_id", UUID.class),
        row.getString("agent_name"),
        row.getInt("agent_version"),
        row.getString("spec_hash"),
        RunMode.valueOf(row.getString("mode").toUpperCase(Locale.ROOT)),
        RunStatus.fromWire(row.getString("status")).orElseThrow(),
        json(row.getString("input")),
        json(row.getString("output")),
        json(row.getString("snapshot")),
        json(row.getString("metadata")),
        row.getString("idempotency_key"),
        row.getString("request_hash"),
        row.getString("created_by"),
        PrincipalType.valueOf(row.getString("creator_type").toUpperCase(Locale.ROOT)),
        strings(row.getArray("creator_roles")),
        row.getObject("parent_run_id", UUID.class),
        row.getString("parent_tool_call_id"),
        row.getInt("depth"),
        row.getInt("steps"),
        row.getLong("input_tokens"),
        row.getLong("output_tokens"),
        row.getLong("cost_micros"),
        row.getString("error_code"),
        row.getString("error_message"),
        row.getLong("last_seq"),
        row.getLong("epoch"),
        instant(row.getTimestamp("cancel_requested_at")),
        row.getString("cancel_requested_by"),
        row.getString("cancel_reason"),
        row.getInt("timeout_seconds"),
        instant(row.getTimestamp("deadline_at")),
        instant(row.getTimestamp("created_at")),
        instant(row.getTimestamp("started_at")),
        instant(row.getTimestamp("finished_at")),
        forkOrigin(row));
  }

  private static Run.ForkOrigin forkOrigin(ResultSet row) throws SQLException {
    UUID origin = row.getObject("forked_from_run_id", UUID.class);
    return origin == null ? null : new Run.ForkOrigin(origin, row.getInt("forked_from_seq"));
  }

  static String wire(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }

  private static Array textArray(PreparedStatement statement, List<String> values)
      throws SQLException {
    return statement.getConnection().createArrayOf("text", values.toArray(String[]::new));
  }

  private static JsonNode json(String text) throws SQLException {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SQLException("Stored JSON does not parse", e);
    }
  }
}
