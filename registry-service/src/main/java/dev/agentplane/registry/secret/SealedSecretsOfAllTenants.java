package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.AesGcmSealer;
import dev.agentplane.kit.sealing.SealedColumns;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SQL of the master key rotation, the one piece of the registry that reads the secrets of every
 * tenant: through the jobs datasource, whose role sees the secret table across tenants (and no
 * other registry table but the outbox).
 */
@Singleton
class SealedSecretsOfAllTenants {

  private final JdbcOperations jdbc;

  SealedSecretsOfAllTenants(@Named(JobsDataSource.NAME) JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** A stored value and the row it belongs to, for re-sealing. */
  record SealedRow(String tenantId, String name, AesGcmSealer.Sealed sealed) {}

  /**
   * Locks the next rows, in primary-key order after ({@code afterTenant}, {@code afterName}), whose
   * value is sealed with a key other than {@code keyId}; rows another transaction holds are
   * skipped, so several instances re-sealing at once share the work instead of queueing.
   */
  List<SealedRow> lockSealedWithOtherKeys(
      String keyId, String afterTenant, String afterName, int limit) {
    return jdbc.prepareStatement(
        """
        SELECT tenant_id, name, key_id, nonce, ciphertext FROM secret
        WHERE key_id <> ? AND (tenant_id, name) > (?, ?)
        ORDER BY tenant_id, name LIMIT ? FOR UPDATE SKIP LOCKED
        """,
        statement -> {
          statement.setString(1, keyId);
          statement.setString(2, afterTenant);
          statement.setString(3, afterName);
          statement.setInt(4, limit);
          try (ResultSet rows = statement.executeQuery()) {
            List<SealedRow> result = new ArrayList<>();
            while (rows.next()) {
              result.add(
                  new SealedRow(
                      rows.getString("tenant_id"),
                      rows.getString("name"),
                      SealedColumns.read(rows, "")));
            }
            return result;
          }
        });
  }

  /**
   * Replaces a row's sealed value with the same value sealed anew; who set it and when stay, since
   * the value did not change.
   */
  void replaceSealed(String tenantId, String name, AesGcmSealer.Sealed sealed) {
    jdbc.prepareStatement(
        "UPDATE secret SET key_id = ?, nonce = ?, ciphertext = ? WHERE tenant_id = ? AND name = ?",
        statement -> {
          statement.setString(1, sealed.keyId());
          statement.setBytes(2, sealed.nonce());
          statement.setBytes(3, sealed.ciphertext());
          statement.setString(4, tenantId);
          statement.setString(5, name);
          return statement.executeUpdate();
        });
  }

  /** How many values are sealed with each key id. */
  Map<String, Long> countByKey() {
    return jdbc.prepareStatement(
        "SELECT key_id, count(*) AS n FROM secret GROUP BY key_id ORDER BY key_id",
        statement -> {
          try (ResultSet rows = statement.executeQuery()) {
            return SealedColumns.countsByKeyId(rows);
          }
        });
  }
}
