package dev.agentplane.approval;

import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reads one value straight from the service's database, for tests that look beneath the API. */
public final class SqlReads {

  /** Reads the value out of the row the query's cursor is on. */
  @FunctionalInterface
  public interface Column<T> {
    T read(ResultSet row) throws SQLException;
  }

  private SqlReads() {}

  /**
   * Runs {@code sql} with the parameters in a read transaction; reads the first row's value. On the
   * application datasource, the transaction sees the rows of the tenant in scope only: call it in
   * {@code TenantScope.call}.
   */
  public static <T> T single(
      TransactionOperations<Connection> transactions,
      String sql,
      Column<T> column,
      Object... parameters) {
    return transactions.executeRead(
        status -> {
          try (PreparedStatement statement = status.getConnection().prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
              statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
              if (!rows.next()) {
                throw new IllegalStateException("No row for " + sql);
              }
              return column.read(rows);
            }
          }
        });
  }
}
