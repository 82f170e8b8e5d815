package dev.agentplane.approval.webhook;

import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import dev.agentplane.kit.sealing.SealedColumns;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL of the master key rotation over the subscriptions' signing secrets, through the jobs
 * datasource: its role sees {@code webhook_subscription} across tenants (README § Row-level
 * security) — ciphertexts and key ids, never a key, which only the service's configuration holds.
 */
@Singleton
class SubscriptionSecretsOfAllTenants {

  private final JdbcOperations jdbc;

  SubscriptionSecretsOfAllTenants(@Named(JobsDataSource.NAME) JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** A subscription's sealed secrets: the current one, and the previous one (or null). */
  record SealedRow(UUID id, String tenantId, Sealed secret, Sealed previous) {}

  /**
   * Locks the next subscriptions, in id order after {@code after}, with a secret (current or
   * previous) sealed with a key other than {@code keyId}; rows another transaction holds are
   * skipped, so several instances re-sealing at once share the work instead of queueing. {@code NO
   * KEY UPDATE} rather than {@code UPDATE}: the foreign-key check of a delivery being queued for
   * the subscription (a decision's transaction) takes {@code KEY SHARE}, which this lock leaves
   * free, while a secret rotation ({@code FOR UPDATE}) still waits for the batch.
   */
  List<SealedRow> lockSealedWithOtherKeys(String keyId, UUID after, int limit) {
    return jdbc.prepareStatement(
        """
        SELECT id, tenant_id, secret_key_id, secret_nonce, secret_ciphertext,
               previous_secret_key_id, previous_secret_nonce, previous_secret_ciphertext
        FROM webhook_subscription
        WHERE (secret_key_id <> ? OR previous_secret_key_id <> ?) AND id > ?
        ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED
        """,
        statement -> {
          statement.setString(1, keyId);
          statement.setString(2, keyId);
          statement.setObject(3, after);
          statement.setInt(4, limit);
          try (ResultSet rows = statement.executeQuery()) {
            List<SealedRow> result = new ArrayList<>();
            while (rows.next()) {
              result.add(
                  new SealedRow(
                      rows.getObject("id", UUID.class),
                      rows.getString("tenant_id"),
                      SealedColumns.read(rows, "secret_"),
                      SealedColumns.readIfPresent(rows, "previous_secret_")));
            }
            return result;
          }
        });
  }

  /**
   * Replaces the sealed secrets of a subscription with the same secrets sealed anew; {@code
   * updated_at} stays, since no secret changed.
   */
  void replaceSealed(String tenantId, UUID id, Sealed secret, Sealed previous) {
    jdbc.prepareStatement(
        """
        UPDATE webhook_subscription SET secret_key_id = ?, secret_nonce = ?, secret_ciphertext = ?,
            previous_secret_key_id = ?, previous_secret_nonce = ?, previous_secret_ciphertext = ?
        WHERE tenant_id = ? AND id = ?
        """,
        statement -> {
          statement.setString(1, secret.keyId());
          statement.setBytes(2, secret.nonce());
          statement.setBytes(3, secret.ciphertext());
          statement.setString(4, previous == null ? null : previous.keyId());
          statement.setBytes(5, previous == null ? null : previous.nonce());
          statement.setBytes(6, previous == null ? null : previous.ciphertext());
          statement.setString(7, tenantId);
          statement.setObject(8, id);
          return statement.executeUpdate();
        });
  }

  /** How many secrets, current and previous, are sealed with each key id. */
  Map<String, Long> countByKey() {
    return jdbc.prepareStatement(
        """
        SELECT key_id, count(*) AS n FROM (
            SELECT secret_key_id AS key_id FROM webhook_subscription
            UNION ALL
            SELECT previous_secret_key_id FROM webhook_subscription
            WHERE previous_secret_key_id IS NOT NULL) AS sealed
        GROUP BY key_id ORDER BY key_id
        """,
        statement -> {
          try (ResultSet rows = statement.executeQuery()) {
            return SealedColumns.countsByKeyId(rows);
          }
        });
  }
}
