package dev.agentplane.approval;

import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads (and, for the rotation window, ages) the inbound-decision tables directly, in the tenant's
 * scope as the service does: row-level security shows a transaction its tenant's rows only.
 */
@Singleton
public class InboundRows {

  private final TransactionOperations<Connection> transactions;

  InboundRows(TransactionOperations<Connection> transactions) {
    this.transactions = transactions;
  }

  /**
   * The tenant's {@code inbound_secret} row as PostgreSQL renders it as text (bytea in hex), every
   * column; null when there is none.
   */
  public String secretRowAsText(String tenantId) {
    return reading(
        tenantId,
        status -> {
          try (PreparedStatement statement =
              status
                  .getConnection()
                  .prepareStatement(
                      "SELECT row_to_json(s)::text FROM inbound_secret s WHERE tenant_id = ?")) {
            statement.setString(1, tenantId);
            try (ResultSet rows = statement.executeQuery()) {
              return rows.next() ? rows.getString(1) : null;
            }
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Every byte column of the tenant's {@code inbound_secret} row. */
  public List<byte[]> secretRowBytes(String tenantId) {
    return reading(
        tenantId,
        status -> {
          try (PreparedStatement statement =
              status
                  .getConnection()
                  .prepareStatement(
                      "SELECT nonce, ciphertext, previous_nonce, previous_ciphertext"
                          + " FROM inbound_secret WHERE tenant_id = ?")) {
            statement.setString(1, tenantId);
            List<byte[]> columns = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                for (int i = 1; i <= 4; i++) {
                  byte[] bytes = rows.getBytes(i);
                  if (bytes != null) {
                    columns.add(bytes);
                  }
                }
              }
            }
            return columns;
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** The channels of the tenant's recorded inbound messages (one per message that had effect). */
  public List<String> messageChannels(String tenantId) {
    return reading(
        tenantId,
        status -> {
          try (PreparedStatement statement =
              status
                  .getConnection()
                  .prepareStatement(
                      "SELECT channel FROM inbound_message WHERE tenant_id = ?"
                          + " ORDER BY received_at")) {
            statement.setString(1, tenantId);
            List<String> channels = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                channels.add(rows.getString(1));
              }
            }
            return channels;
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Closes the rotation window: the previous secret's validity ended a second ago. */
  public void expirePreviousSecret(String tenantId) {
    writing(
        tenantId,
        status -> {
          try (PreparedStatement statement =
              status
                  .getConnection()
                  .prepareStatement(
                      "UPDATE inbound_secret SET previous_valid_until = now() - interval '1 second'"
                          + " WHERE tenant_id = ? AND previous_valid_until IS NOT NULL")) {
            statement.setString(1, tenantId);
            if (statement.executeUpdate() != 1) {
              throw new IllegalStateException("No rotated secret for " + tenantId);
            }
            return null;
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private <T> T reading(String tenantId, TransactionCallback<Connection, T> work) {
    return TenantScope.call(tenantId, () -> transactions.executeRead(work));
  }

  private <T> T writing(String tenantId, TransactionCallback<Connection, T> work) {
    return TenantScope.call(tenantId, () -> transactions.executeWrite(work));
  }
}
