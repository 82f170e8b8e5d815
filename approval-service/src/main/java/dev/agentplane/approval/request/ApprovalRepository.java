package dev.agentplane.approval.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.ResourceKind;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL for approval requests and their decisions. Every query names the tenant: another tenant's
 * request is as absent as one that never existed (and row-level security hides it anyway). Callers
 * run inside the use case's transaction, scoped to that tenant. Which tenants the sweep has work
 * for is {@link DueRequests}' question, asked across tenants.
 */
@Singleton
class ApprovalRepository {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String COLUMNS =
      """
      r.id, r.tenant_id, r.kind, r.subject::text AS subject, r.requester_subject,
      r.requester_roles, r.requester_type, r.title, r.summary, r.context::text AS context,
      r.required_approvals, r.approver_roles, r.exclude_requester, r.expires_at, r.on_expiry,
      extract(epoch FROM r.remind_after)::bigint AS remind_after_seconds,
      extract(epoch FROM r.escalate_after)::bigint AS escalate_after_seconds,
      r.remind_at, r.escalate_at, r.reminded_at, r.escalated_at, r.status, r.created_at,
      r.decided_at, r.outcome, r.reason, r.final_arguments::text AS final_arguments,
      r.arguments_diff::text AS arguments_diff, r.source_event_id, r.version
      """;

  private final JdbcOperations jdbc;

  ApprovalRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Inserts the request unless its id, its source event, or a pending request for the same subject
   * exists already; false when one does.
   */
  boolean insert(ApprovalRequest request) {
    return jdbc.prepareStatement(
            """
            INSERT INTO approval_request (id, tenant_id, kind, subject, subject_key, run_id,
                resource_id, requester_subject, requester_roles, requester_type, title, summary,
                context, required_approvals, approver_roles, exclude_requester, expires_at,
                on_expiry, remind_after, escalate_after, remind_at, escalate_at, status,
                created_at, source_event_id)
            VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?,
                ?::interval, ?::interval, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            statement -> {
              ApprovalPolicy policy = request.policy();
              statement.setObject(1, request.id());
              statement.setString(2, request.tenantId());
              statement.setString(3, wire(request.kind()));
              statement.setString(4, subjectJson(request.subject()).toString());
              statement.setString(5, request.subject().key());
              statement.setObject(6, request.subject().runId());
              statement.setObject(7, request.subject().resourceId());
              statement.setString(8, request.requester().subject());
              statement.setArray(9, textArray(statement, request.requester().roles()));
              statement.setString(10, wire(request.requester().principalType()));
              statement.setString(11, request.title());
              statement.setString(12, request.summary());
              statement.setString(13, request.context().toString());
              statement.setInt(14, policy.requiredApprovals());
              statement.setArray(15, textArray(statement, policy.approverRoles()));
              statement.setBoolean(16, policy.excludeRequester());
              statement.setTimestamp(17, timestamp(policy.expiresAt()));
              statement.setString(18, wire(policy.onExpiry()));
              statement.setString(19, interval(request.sla().remindAfter()));
              statement.setString(20, interval(request.sla().escalateAfter()));
              statement.setTimestamp(21, timestamp(request.sla().remindAt()));
              statement.setTimestamp(22, timestamp(request.sla().escalateAt()));
              statement.setString(23, request.status().wireValue());
              statement.setTimestamp(24, timestamp(request.createdAt()));
              statement.setObject(25, request.sourceEventId());
              return statement.executeUpdate();
            })
        == 1;
  }

  /**
   * Writes every mutable column and bumps the version, if it is still the one read; false when
   * someone else changed the row first (never under the row lock every writer takes).
   */
  boolean update(ApprovalRequest changed) {
    return jdbc.prepareStatement(
            """
            UPDATE approval_request SET approver_roles = ?, reminded_at = ?, escalated_at = ?,
                status = ?, decided_at = ?, outcome = ?, reason = ?, final_arguments = ?::jsonb,
                arguments_diff = ?::jsonb, version = version + 1
            WHERE id = ? AND tenant_id = ? AND version = ?
            """,
            statement -> {
              statement.setArray(1, textArray(statement, changed.policy().approverRoles()));
              statement.setTimestamp(2, timestamp(changed.sla().remindedAt()));
              statement.setTimestamp(3, timestamp(changed.sla().escalatedAt()));
              statement.setString(4, changed.status().wireValue());
              statement.setTimestamp(5, timestamp(changed.decidedAt()));
              statement.setString(6, changed.outcome() == null ? null : wire(changed.outcome()));
              statement.setString(7, changed.reason());
              statement.setString(8, text(changed.finalArguments()));
              statement.setString(9, text(changed.argumentsDiff()));
              statement.setObject(10, changed.id());
              statement.setString(11, changed.tenantId());
              statement.setInt(12, changed.version());
              return statement.executeUpdate();
            })
        == 1;
  }

  Optional<ApprovalRequest> find(String tenantId, UUID id) {
    return one(
        "SELECT " + COLUMNS + " FROM approval_request r WHERE r.tenant_id = ? AND r.id = ?",
        tenantId,
        id);
  }

  /**
   * Locks the request row for the rest of the transaction: every change to a request (a decision,
   * the sweep, a cancel) goes through this, so exactly one of racing deciders closes it.
   */
  Optional<ApprovalRequest> lock(String tenantId, UUID id) {
    return one(
        "SELECT "
            + COLUMNS
            + " FROM approval_request r WHERE r.tenant_id = ? AND r.id = ? FOR UPDATE",
        tenantId,
        id);
  }

  Optional<ApprovalRequest> findPendingBySubject(String tenantId, String subjectKey) {
    return one(
        "SELECT "
            + COLUMNS
            + " FROM approval_request r"
            + " WHERE r.tenant_id = ? AND r.subject_key = ? AND r.status = 'pending'",
        tenantId,
        subjectKey);
  }

  /** The inbox filters; null means "any". */
  record InboxFilter(ApprovalStatus status, ApprovalKind kind, String subject, String requester) {}

  /** Where the previous page ended: rows strictly older (or as old with a smaller id) follow. */
  record InboxPosition(Instant createdAt, UUID id) {}

  /** One page of the tenant's requests, newest first. */
  List<ApprovalRequest> inbox(String tenantId, InboxFilter filter, InboxPosition after, int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM approval_request r WHERE r.tenant_id = ?");
    List<Object> parameters = new ArrayList<>(List.of(tenantId));
    if (filter.status() != null) {
      sql.append(" AND r.status = ?");
      parameters.add(filter.status().wireValue());
    }
    if (filter.kind() != null) {
      sql.append(" AND r.kind = ?");
      parameters.add(wire(filter.kind()));
    }
    if (filter.subject() != null) {
      UUID id = uuidOrNull(filter.subject());
      if (id == null) {
        sql.append(" AND r.subject_key = ?");
        parameters.add(filter.subject());
      } else {
        // A bare id names a run (its tool calls) or a resource (its versions).
        sql.append(" AND (r.run_id = ? OR r.resource_id = ?)");
        parameters.add(id);
        parameters.add(id);
      }
    }
    if (filter.requester() != null) {
      sql.append(" AND r.requester_subject = ?");
      parameters.add(filter.requester());
    }
    if (after != null) {
      sql.append(" AND (r.created_at, r.id) < (?, ?)");
      parameters.add(Timestamp.from(after.createdAt()));
      parameters.add(after.id());
    }
    sql.append(" ORDER BY r.created_at DESC, r.id DESC LIMIT ?");
    parameters.add(limit);
    return jdbc.prepareStatement(
        sql.toString(),
        statement -> {
          for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
          }
          return all(statement.executeQuery());
        });
  }

  /** What a sweep looks for. */
  enum Due {
    EXPIRY("expires_at", ""),
    ESCALATION("escalate_at", " AND r.escalated_at IS NULL"),
    REMINDER("remind_at", " AND r.reminded_at IS NULL");

    private final String column;
    private final String notDone;

    Due(String column, String notDone) {
      this.column = column;
      this.notDone = notDone;
    }

    /** The column a due row is ordered by. */
    String column() {
      return "r." + column;
    }

    /**
     * The condition on {@code approval_request r} of a row that fell due as of the one parameter;
     * what the partial indexes of V2 serve.
     */
    String condition() {
      return "r.status = 'pending' AND r."
          + column
          + " IS NOT NULL AND r."
          + column
          + " <= ?"
          + notDone;
    }
  }

  /**
   * Locks up to {@code limit} pending requests of the tenant that fell due as of {@code asOf},
   * skipping rows another instance's sweep (or a decider) holds: several instances share the work
   * and never wait on each other.
   */
  List<ApprovalRequest> lockDue(String tenantId, Due due, Instant asOf, int limit) {
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM approval_request r WHERE r.tenant_id = ? AND "
            + due.condition()
            + " ORDER BY "
            + due.column()
            + " LIMIT ? FOR UPDATE SKIP LOCKED";
    return jdbc.prepareStatement(
        sql,
        statement -> {
          statement.setString(1, tenantId);
          statement.setTimestamp(2, Timestamp.from(asOf));
          statement.setInt(3, limit);
          return all(statement.executeQuery());
        });
  }

  /** Records a decision unless the approver decided already; false when they had. */
  boolean insertDecision(ApprovalDecision decision) {
    return jdbc.prepareStatement(
            """
            INSERT INTO approval_decision (approval_id, tenant_id, approver, approver_roles,
                decision, reason, edited_arguments, arguments_diff, channel, decided_at)
            VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)
            ON CONFLICT (approval_id, approver) DO NOTHING
            """,
            statement -> {
              statement.setObject(1, decision.approvalId());
              statement.setString(2, decision.tenantId());
              statement.setString(3, decision.approver());
              statement.setArray(4, textArray(statement, decision.approverRoles()));
              statement.setString(5, decision.decision().wireValue());
              statement.setString(6, decision.reason());
              statement.setString(7, text(decision.editedArguments()));
              statement.setString(8, text(decision.argumentsDiff()));
              statement.setString(9, decision.channel().wireValue());
              statement.setTimestamp(10, timestamp(decision.decidedAt()));
              return statement.executeUpdate();
            })
        == 1;
  }

  /** How many approvals each of the requests has (absent: none). */
  java.util.Map<UUID, Integer> approvalCounts(String tenantId, List<UUID> approvalIds) {
    return jdbc.prepareStatement(
        """
        SELECT approval_id, count(*) AS approvals FROM approval_decision
        WHERE tenant_id = ? AND approval_id = ANY (?) AND decision = 'approve'
        GROUP BY approval_id
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setArray(
              2, statement.getConnection().createArrayOf("uuid", approvalIds.toArray()));
          try (ResultSet rows = statement.executeQuery()) {
            java.util.Map<UUID, Integer> counts = new java.util.HashMap<>();
            while (rows.next()) {
              counts.put(rows.getObject("approval_id", UUID.class), rows.getInt("approvals"));
            }
            return counts;
          }
        });
  }

  /** The request's decisions in the order they were made. */
  List<ApprovalDecision> decisions(String tenantId, UUID approvalId) {
    return jdbc.prepareStatement(
        """
        SELECT approval_id, tenant_id, approver, approver_roles, decision, reason,
               edited_arguments::text AS edited_arguments, arguments_diff::text AS arguments_diff,
               channel, decided_at
        FROM approval_decision WHERE tenant_id = ? AND approval_id = ?
        ORDER BY id
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, approvalId);
          try (ResultSet rows = statement.executeQuery()) {
            List<ApprovalDecision> found = new ArrayList<>();
            while (rows.next()) {
              found.add(
                  new ApprovalDecision(
                      rows.getObject("approval_id", UUID.class),
                      rows.getString("tenant_id"),
                      rows.getString("approver"),
                      strings(rows.getArray("approver_roles")),
                      Verdict.valueOf(rows.getString("decision").toUpperCase(Locale.ROOT)),
                      rows.getString("reason"),
                      json(rows.getString("edited_arguments")),
                      json(rows.getString("arguments_diff")),
                      DecisionChannel.fromWire(rows.getString("channel")),
                      instant(rows.getTimestamp("decided_at"))));
            }
            return found;
          }
        });
  }

  private Optional<ApprovalRequest> one(String sql, String tenantId, Object key) {
    return jdbc.prepareStatement(
        sql,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, key);
          List<ApprovalRequest> found = all(statement.executeQuery());
          return found.stream().findFirst();
        });
  }

  private static List<ApprovalRequest> all(ResultSet rows) throws SQLException {
    try (rows) {
      List<ApprovalRequest> found = new ArrayList<>();
      while (rows.next()) {
        found.add(request(rows));
      }
      return found;
    }
  }

  private static ApprovalRequest request(ResultSet rows) throws SQLException {
    Instant createdAt = instant(rows.getTimestamp("created_at"));
    String outcome = rows.getString("outcome");
    return new ApprovalRequest(
        rows.getObject("id", UUID.class),
        rows.getString("tenant_id"),
        ApprovalKind.valueOf(rows.getString("kind").toUpperCase(Locale.ROOT)),
        subject(json(rows.getString("subject"))),
        new Requester(
            rows.getString("requester_subject"),
            strings(rows.getArray("requester_roles")),
            PrincipalType.valueOf(rows.getString("requester_type").toUpperCase(Locale.ROOT))),
        rows.getString("title"),
        rows.getString("summary"),
        json(rows.getString("context")),
        new ApprovalPolicy(
            rows.getInt("required_approvals"),
            strings(rows.getArray("approver_roles")),
            rows.getBoolean("exclude_requester"),
            instant(rows.getTimestamp("expires_at")),
            ExpiryOutcome.valueOf(rows.getString("on_expiry").toUpperCase(Locale.ROOT))),
        new ApprovalRequest.Sla(
            seconds(rows, "remind_after_seconds"),
            seconds(rows, "escalate_after_seconds"),
            instant(rows.getTimestamp("remind_at")),
            instant(rows.getTimestamp("escalate_at")),
            instant(rows.getTimestamp("reminded_at")),
            instant(rows.getTimestamp("escalated_at"))),
        ApprovalStatus.fromWire(rows.getString("status")).orElseThrow(),
        createdAt,
        instant(rows.getTimestamp("decided_at")),
        outcome == null ? null : ApprovalOutcome.valueOf(outcome.toUpperCase(Locale.ROOT)),
        rows.getString("reason"),
        json(rows.getString("final_arguments")),
        json(rows.getString("arguments_diff")),
        rows.getObject("source_event_id", UUID.class),
        rows.getInt("version"));
  }

  /** The subject as stored: the contract's fields, absent when null. */
  static ObjectNode subjectJson(ApprovalSubject subject) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    if (subject.runId() != null) {
      json.put("runId", subject.runId().toString());
    }
    if (subject.toolCallId() != null) {
      json.put("toolCallId", subject.toolCallId());
    }
    if (subject.resourceKind() != null) {
      json.put("resourceKind", subject.resourceKind().name());
    }
    if (subject.resourceId() != null) {
      json.put("resourceId", subject.resourceId().toString());
    }
    if (subject.version() != null) {
      json.put("version", subject.version());
    }
    if (subject.reference() != null) {
      json.put("reference", subject.reference());
    }
    return json;
  }

  private static ApprovalSubject subject(JsonNode json) {
    return new ApprovalSubject(
        json.hasNonNull("runId") ? UUID.fromString(json.get("runId").asText()) : null,
        json.hasNonNull("toolCallId") ? json.get("toolCallId").asText() : null,
        json.hasNonNull("resourceKind")
            ? ResourceKind.valueOf(json.get("resourceKind").asText())
            : null,
        json.hasNonNull("resourceId") ? UUID.fromString(json.get("resourceId").asText()) : null,
        json.hasNonNull("version") ? json.get("version").asInt() : null,
        json.hasNonNull("reference") ? json.get("reference").asText() : null);
  }

  static String wire(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static Array textArray(PreparedStatement statement, List<String> values)
      throws SQLException {
    return statement.getConnection().createArrayOf("text", values.toArray(String[]::new));
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }

  private static String interval(Duration duration) {
    return duration == null ? null : duration.getSeconds() + " seconds";
  }

  private static Duration seconds(ResultSet rows, String column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? null : Duration.ofSeconds(value);
  }

  private static Timestamp timestamp(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static String text(JsonNode json) {
    return json == null ? null : json.toString();
  }

  static JsonNode json(String text) {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("The database holds JSON it cannot read back", e);
    }
  }

  private static UUID uuidOrNull(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
