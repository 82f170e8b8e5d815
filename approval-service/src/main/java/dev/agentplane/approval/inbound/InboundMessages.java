package dev.agentplane.approval.inbound;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/**
 * The ids of inbound messages that had their effect ({@code webhook-id}s and action-link ids): the
 * replay guard. A row is written in the decision's own transaction, in its tenant; {@link
 * InboundMessageSweep} forgets them across tenants.
 */
@Singleton
class InboundMessages {

  private final JdbcOperations jdbc;

  InboundMessages(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records a message as having its effect now; false when it already had (a replay). A concurrent
   * duplicate waits on the primary key until the first commits, then sees it.
   */
  boolean firstTime(
      String tenantId,
      String messageId,
      UUID approvalId,
      String channel,
      Instant now,
      Instant keepUntil) {
    return jdbc.prepareStatement(
        "INSERT INTO inbound_message"
            + " (tenant_id, message_id, approval_id, channel, received_at, keep_until)"
            + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, messageId);
          statement.setObject(3, approvalId);
          statement.setString(4, channel);
          statement.setTimestamp(5, Timestamp.from(now));
          statement.setTimestamp(6, Timestamp.from(keepUntil));
          return statement.executeUpdate() == 1;
        });
  }

  /** Whether a message id has had its effect (an action link already used). */
  boolean seen(String tenantId, String messageId) {
    return jdbc.prepareStatement(
        "SELECT 1 FROM inbound_message WHERE tenant_id = ? AND message_id = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, messageId);
          try (var rows = statement.executeQuery()) {
            return rows.next();
          }
        });
  }
}
