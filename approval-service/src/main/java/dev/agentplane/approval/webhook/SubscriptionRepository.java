package dev.agentplane.approval.webhook;

import dev.agentplane.kit.sealing.AesGcmSealer;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for webhook subscriptions, always within one tenant. */
@Singleton
class SubscriptionRepository {

  private static final String COLUMNS =
      """
      id, tenant_id, url, event_types, description, enabled, disabled_reason,
      secret_key_id, secret_nonce, secret_ciphertext,
      previous_secret_key_id, previous_secret_nonce, previous_secret_ciphertext,
      previous_secret_expires_at, created_by, created_at, updated_at
      """;

  private final JdbcOperations jdbc;

  SubscriptionRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  void insert(WebhookSubscription subscription) {
    jdbc.prepareStatement(
        "INSERT INTO webhook_subscription ("
            + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, ?)",
        statement -> {
          statement.setObject(1, subscription.id());
          statement.setString(2, subscription.tenantId());
          statement.setString(3, subscription.url());
          statement.setArray(4, textArray(statement, subscription.eventTypes()));
          statement.setString(5, subscription.description());
          statement.setBoolean(6, subscription.enabled());
          statement.setString(7, subscription.disabledReason());
          statement.setString(8, subscription.secret().keyId());
          statement.setBytes(9, subscription.secret().nonce());
          statement.setBytes(10, subscription.secret().ciphertext());
          statement.setString(11, subscription.createdBy());
          statement.setTimestamp(12, Timestamp.from(subscription.createdAt()));
          statement.setTimestamp(13, Timestamp.from(subscription.updatedAt()));
          return statement.executeUpdate();
        });
  }

  Optional<WebhookSubscription> find(String tenantId, UUID id) {
    return jdbc.prepareStatement(
        "SELECT " + COLUMNS + " FROM webhook_subscription WHERE tenant_id = ? AND id = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, id);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(subscription(rows)) : Optional.empty();
          }
        });
  }

  /** Locks the row for the rest of the transaction (updates, rotation). */
  Optional<WebhookSubscription> findForUpdate(String tenantId, UUID id) {
    return jdbc.prepareStatement(
        "SELECT "
            + COLUMNS
            + " FROM webhook_subscription WHERE tenant_id = ? AND id = ? FOR UPDATE",
        statement -> {
          statement.setString(1, tenantId);
          statement.setObject(2, id);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(subscription(rows)) : Optional.empty();
          }
        });
  }

  /** A page in creation order, after the (createdAt, id) position when given. */
  List<WebhookSubscription> page(String tenantId, Instant afterCreatedAt, UUID afterId, int limit) {
    return jdbc.prepareStatement(
        "SELECT "
            + COLUMNS
            + " FROM webhook_subscription WHERE tenant_id = ?"
            + " AND (?::timestamptz IS NULL OR (created_at, id) > (?::timestamptz, ?::uuid))"
            + " ORDER BY created_at, id LIMIT ?",
        statement -> {
          Timestamp after = afterCreatedAt == null ? null : Timestamp.from(afterCreatedAt);
          statement.setString(1, tenantId);
          statement.setTimestamp(2, after);
          statement.setTimestamp(3, after);
          statement.setObject(4, afterId);
          statement.setInt(5, limit);
          try (ResultSet rows = statement.executeQuery()) {
            List<WebhookSubscription> result = new ArrayList<>();
            while (rows.next()) {
              result.add(subscription(rows));
            }
            return result;
          }
        });
  }

  /** Writes the mutable fields: url, event types, description, enabled and why not. */
  void update(WebhookSubscription subscription) {
    jdbc.prepareStatement(
        """
        UPDATE webhook_subscription SET url = ?, event_types = ?, description = ?, enabled = ?,
            disabled_reason = ?, updated_at = ?
        WHERE tenant_id = ? AND id = ?
        """,
        statement -> {
          statement.setString(1, subscription.url());
          statement.setArray(2, textArray(statement, subscription.eventTypes()));
          statement.setString(3, subscription.description());
          statement.setBoolean(4, subscription.enabled());
          statement.setString(5, subscription.disabledReason());
          statement.setTimestamp(6, Timestamp.from(subscription.updatedAt()));
          statement.setString(7, subscription.tenantId());
          statement.setObject(8, subscription.id());
          return statement.executeUpdate();
        });
  }

  /** Replaces the secret; the old one keeps signing until {@code previousExpiresAt}. */
  void rotateSecret(
      String tenantId,
      UUID id,
      AesGcmSealer.Sealed secret,
      AesGcmSealer.Sealed previous,
      Instant previousExpiresAt,
      Instant at) {
    jdbc.prepareStatement(
        """
        UPDATE webhook_subscription SET secret_key_id = ?, secret_nonce = ?, secret_ciphertext = ?,
            previous_secret_key_id = ?, previous_secret_nonce = ?, previous_secret_ciphertext = ?,
            previous_secret_expires_at = ?, updated_at = ?
        WHERE tenant_id = ? AND id = ?
        """,
        statement -> {
          statement.setString(1, secret.keyId());
          statement.setBytes(2, secret.nonce());
          statement.setBytes(3, secret.ciphertext());
          statement.setString(4, previous == null ? null : previous.keyId());
          statement.setBytes(5, previous == null ? null : previous.nonce());
          statement.setBytes(6, previous == null ? null : previous.ciphertext());
          statement.setTimestamp(
              7, previousExpiresAt == null ? null : Timestamp.from(previousExpiresAt));
          statement.setTimestamp(8, Timestamp.from(at));
          statement.setString(9, tenantId);
          statement.setObject(10, id);
          return statement.executeUpdate();
        });
  }

  /**
   * Disables the subscription with a reason (the platform's doing, e.g. 410 Gone) unless it is
   * already disabled; true when this call disabled it.
   */
  boolean disable(String tenantId, UUID id, String reason, Instant at) {
    return jdbc.prepareStatement(
            """
            UPDATE webhook_subscription SET enabled = false, disabled_reason = ?, updated_at = ?
            WHERE tenant_id = ? AND id = ? AND enabled
            """,
            statement -> {
              statement.setString(1, reason);
              statement.setTimestamp(2, Timestamp.from(at));
              statement.setString(3, tenantId);
              statement.setObject(4, id);
              return statement.executeUpdate();
            })
        == 1;
  }

  boolean delete(String tenantId, UUID id) {
    return jdbc.prepareStatement(
            "DELETE FROM webhook_subscription WHERE tenant_id = ? AND id = ?",
            statement -> {
              statement.setString(1, tenantId);
              statement.setObject(2, id);
              return statement.executeUpdate();
            })
        == 1;
  }

  private static Array textArray(PreparedStatement statement, List<String> values)
      throws SQLException {
    return statement.getConnection().createArrayOf("text", values.toArray(String[]::new));
  }

  static WebhookSubscription subscription(ResultSet rows) throws SQLException {
    String[] types = (String[]) rows.getArray("event_types").getArray();
    Timestamp previousExpiry = rows.getTimestamp("previous_secret_expires_at");
    byte[] previousCiphertext = rows.getBytes("previous_secret_ciphertext");
    return new WebhookSubscription(
        rows.getObject("id", UUID.class),
        rows.getString("tenant_id"),
        rows.getString("url"),
        Arrays.asList(types),
        rows.getString("description"),
        rows.getBoolean("enabled"),
        rows.getString("disabled_reason"),
        new AesGcmSealer.Sealed(
            rows.getString("secret_key_id"),
            rows.getBytes("secret_nonce"),
            rows.getBytes("secret_ciphertext")),
        previousCiphertext == null
            ? null
            : new AesGcmSealer.Sealed(
                rows.getString("previous_secret_key_id"),
                rows.getBytes("previous_secret_nonce"),
                previousCiphertext),
        previousExpiry == null ? null : previousExpiry.toInstant(),
        rows.getString("created_by"),
        rows.getTimestamp("created_at").toInstant(),
        rows.getTimestamp("updated_at").toInstant());
  }
}
