package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.AesGcmSealer;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for sealed secrets, always within one tenant. */
@Singleton
class SecretRepository {

  private final JdbcOperations jdbc;

  SecretRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts or replaces the value; true when the name was new. */
  boolean upsert(String tenantId, String name, AesGcmSealer.Sealed sealed, String by, Instant at) {
    return jdbc.prepareStatement(
        """
        INSERT INTO secret (tenant_id, name, key_id, nonce, ciphertext,
                            created_by, created_at, updated_by, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant_id, name) DO UPDATE SET key_id = excluded.key_id,
            nonce = excluded.nonce, ciphertext = excluded.ciphertext,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at
        RETURNING (xmax = 0) AS inserted
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, name);
          statement.setString(3, sealed.keyId());
          statement.setBytes(4, sealed.nonce());
          statement.setBytes(5, sealed.ciphertext());
          statement.setString(6, by);
          statement.setTimestamp(7, Timestamp.from(at));
          statement.setString(8, by);
          statement.setTimestamp(9, Timestamp.from(at));
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getBoolean("inserted");
          }
        });
  }

  List<SecretMetadata> list(String tenantId) {
    return jdbc.prepareStatement(
        """
        SELECT name, created_by, created_at, updated_by, updated_at
        FROM secret WHERE tenant_id = ? ORDER BY name
        """,
        statement -> {
          statement.setString(1, tenantId);
          try (ResultSet rows = statement.executeQuery()) {
            List<SecretMetadata> result = new ArrayList<>();
            while (rows.next()) {
              result.add(metadata(rows));
            }
            return result;
          }
        });
  }

  Optional<AesGcmSealer.Sealed> find(String tenantId, String name) {
    return jdbc.prepareStatement(
        "SELECT key_id, nonce, ciphertext FROM secret WHERE tenant_id = ? AND name = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, name);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next()
                ? Optional.of(
                    new AesGcmSealer.Sealed(
                        rows.getString("key_id"),
                        rows.getBytes("nonce"),
                        rows.getBytes("ciphertext")))
                : Optional.empty();
          }
        });
  }

  boolean exists(String tenantId, String name) {
    return jdbc.prepareStatement(
        "SELECT 1 FROM secret WHERE tenant_id = ? AND name = ?",
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, name);
          try (ResultSet rows = statement.executeQuery()) {
            return rows.next();
          }
        });
  }

  boolean delete(String tenantId, String name) {
    return jdbc.prepareStatement(
            "DELETE FROM secret WHERE tenant_id = ? AND name = ?",
            statement -> {
              statement.setString(1, tenantId);
              statement.setString(2, name);
              return statement.executeUpdate();
            })
        == 1;
  }

  private static SecretMetadata metadata(ResultSet rows) throws SQLException {
    return new SecretMetadata(
        rows.getString("name"),
        rows.getString("created_by"),
        rows.getTimestamp("created_at").toInstant(),
        rows.getString("updated_by"),
        rows.getTimestamp("updated_at").toInstant());
  }
}
