package dev.agentplane.approval.inbound;

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

/**
 * SQL of the master key rotation over the tenants' inbound decision secrets, through the jobs
 * datasource: its role sees {@code inbound_secret} across tenants (README § Row-level security) —
 * ciphertexts and key ids, never a key, which only the service's configuration holds.
 */
@Singleton
class InboundSecretsOfAllTenants {

  private final JdbcOperations jdbc;

  InboundSecretsOfAllTenants(@Named(JobsDataSource.NAME) JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** A tenant's sealed secrets: the current one, and the previous one (or null). */
  record SealedRow(String tenantId, Sealed current, Sealed previous) {}

  /**
   * Locks the next tenants' rows, in tenant order after {@code afterTenant}, with a secret (current
   * or previous) sealed with a key other than {@code keyId}; rows another transaction holds (a
   * rotation, another instance's batch) are skipped, so instances share the work.
   */
  List<SealedRow> lockSealedWithOtherKeys(String keyId, String afterTenant, int limit) {
    return jdbc.prepareStatement(
        """
        SELECT tenant_id, key_id, nonce, ciphertext, previous_key_id, previous_nonce,
               previous_ciphertext
        FROM inbound_secret
        WHERE (key_id <> ? OR previous_key_id <> ?) AND tenant_id > ?
        ORDER BY tenant_id LIMIT ? FOR UPDATE SKIP LOCKED
        """,
        statement -> {
          statement.setString(1, keyId);
          statement.setString(2, keyId);
          statement.setString(3, afterTenant);
          statement.setInt(4, limit);
          try (ResultSet rows = statement.executeQuery()) {
            List<SealedRow> result = new ArrayList<>();
            while (rows.next()) {
              result.add(
                  new SealedRow(
                      rows.getString("tenant_id"),
                      SealedColumns.read(rows, ""),
                      SealedColumns.readIfPresent(rows, "previous_")));
            }
            return result;
          }
        });
  }

  /**
   * Replaces a tenant's sealed secrets with the same secrets sealed anew; {@code rotated_at} and
   * the previous secret's validity stay, since no secret changed.
   */
  void replaceSealed(String tenantId, Sealed current, Sealed previous) {
    jdbc.prepareStatement(
        """
        UPDATE inbound_secret SET key_id = ?, nonce = ?, ciphertext = ?,
            previous_key_id = ?, previous_nonce = ?, previous_ciphertext = ?
        WHERE tenant_id = ?
        """,
        statement -> {
          statement.setString(1, current.keyId());
          statement.setBytes(2, current.nonce());
          statement.setBytes(3, current.ciphertext());
          statement.setString(4, previous == null ? null : previous.keyId());
          statement.setBytes(5, previous == null ? null : previous.nonce());
          statement.setBytes(6, previous == null ? null : previous.ciphertext());
          statement.setString(7, tenantId);
          return statement.executeUpdate();
        });
  }

  /** How many secrets, current and previous, are sealed with each key id. */
  Map<String, Long> countByKey() {
    return jdbc.prepareStatement(
        """
        SELECT key_id, count(*) AS n FROM (
            SELECT key_id FROM inbound_secret
            UNION ALL
            SELECT previous_key_id FROM inbound_secret WHERE previous_key_id IS NOT NULL) AS sealed
        GROUP BY key_id ORDER BY key_id
        """,
        statement -> {
          try (ResultSet rows = statement.executeQuery()) {
            return SealedColumns.countsByKeyId(rows);
          }
        });
  }
}
