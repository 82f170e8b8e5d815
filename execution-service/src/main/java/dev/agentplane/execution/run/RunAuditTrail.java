package dev.agentplane.execution.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The append-only trail of who resumed or forked a run ({@code run_audit}; a trigger refuses
 * updates and deletes), written in the transaction of the action it records.
 */
@Singleton
class RunAuditTrail {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What was done to the run. */
  enum Action {
    RESUME,
    FORK;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One entry as the API shows it, oldest first. */
  @Serdeable
  public record EntryView(
      String action,
      String by,
      String principalType,
      String reason,
      Instant at,
      JsonNode details) {}

  private final JdbcOperations jdbc;

  RunAuditTrail(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** Records the action in the caller's transaction. */
  void record(Run run, Action action, TenantPrincipal by, String reason, ObjectNode details) {
    jdbc.prepareStatement(
        """
        INSERT INTO run_audit (run_id, tenant_id, action, by_subject, principal_type, reason,
            details)
        VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)
        """,
        statement -> {
          statement.setObject(1, run.id());
          statement.setString(2, run.tenantId());
          statement.setString(3, action.wire());
          statement.setString(4, by.subject());
          statement.setString(5, RunRepository.wire(by.principalType()));
          statement.setString(6, reason);
          statement.setString(7, details.toString());
          return statement.executeUpdate();
        });
  }

  List<EntryView> entries(String tenantId, UUID runId) {
    return jdbc.prepareStatement(
        """
        SELECT action, by_subject, principal_type, reason, at, details::text FROM run_audit
        WHERE tenant_id = ? AND run_id = ? ORDER BY id
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, runId);
          List<EntryView> entries = new ArrayList<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              entries.add(
                  new EntryView(
                      rows.getString(1),
                      rows.getString(2),
                      rows.getString(3),
                      rows.getString(4),
                      rows.getTimestamp(5).toInstant(),
                      parse(rows.getString(6))));
            }
          }
          return entries;
        });
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A stored audit entry does not parse", e);
    }
  }
}
