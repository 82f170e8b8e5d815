package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The append-only audit trail of approval requests: every change appends one entry, in the
 * transaction of the change. Entries are never updated or deleted (a trigger refuses it), so the
 * trail is what happened, in order.
 */
@Singleton
class AuditTrail {

  /** What an entry records. */
  enum Action {
    REQUESTED,
    DECISION_RECORDED,
    DECIDED,
    EXPIRED,
    REMINDED,
    ESCALATED,
    CANCELLED;

    String wireValue() {
      return ApprovalRepository.wire(this);
    }
  }

  /** The actor of changes nobody asked for (expiry, reminders, escalation). */
  static final String SYSTEM = "system";

  /** One entry as read back. */
  record Entry(long id, Instant at, String actor, String action, JsonNode detail) {}

  private final JdbcOperations jdbc;

  AuditTrail(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  static ObjectNode detail() {
    return JsonNodeFactory.instance.objectNode();
  }

  static com.fasterxml.jackson.databind.node.ArrayNode array(List<String> values) {
    var array = JsonNodeFactory.instance.arrayNode();
    values.forEach(array::add);
    return array;
  }

  void append(
      String tenantId, UUID approvalId, Instant at, String actor, Action action, JsonNode detail) {
    jdbc.prepareStatement(
        """
        INSERT INTO approval_audit (approval_id, tenant_id, at, actor, action, detail)
        VALUES (?, ?, ?, ?, ?, ?::jsonb)
        """,
        statement -> {
          statement.setObject(1, approvalId);
          statement.setString(2, tenantId);
          statement.setTimestamp(3, Timestamp.from(at));
          statement.setString(4, actor);
          statement.setString(5, action.wireValue());
          statement.setString(6, detail.toString());
          return statement.executeUpdate();
        });
  }

  List<Entry> entries(String tenantId, UUID approvalId) {
    return jdbc.prepareStatement(
        """
        SELECT id, at, actor, action, detail::text AS detail FROM approval_audit
        WHERE tenant_id = ? AND approval_id = ? ORDER BY id
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, approvalId);
          try (ResultSet rows = statement.executeQuery()) {
            List<Entry> entries = new ArrayList<>();
            while (rows.next()) {
              entries.add(
                  new Entry(
                      rows.getLong("id"),
                      rows.getTimestamp("at").toInstant(),
                      rows.getString("actor"),
                      rows.getString("action"),
                      ApprovalRepository.json(rows.getString("detail"))));
            }
            return entries;
          }
        });
  }
}
