package dev.agentplane.testkit;

import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Looks at a running service's schema the way an attacker with the service's own database login
 * would, and the way an auditor with the owner's would: which tables lack row-level security, and
 * how many rows each table shows to the application role with and without a tenant set.
 */
public final class RowLevelSecurityProbe {

  private final String url;
  private final String owner;
  private final String ownerPassword;
  private final String applicationRole;
  private final String applicationPassword;
  private final String schema;

  private RowLevelSecurityProbe(ApplicationContext context) {
    this.url = context.getRequiredProperty("agentplane.db.url", String.class);
    this.owner = context.getProperty("agentplane.db.user", String.class).orElse("");
    this.ownerPassword = context.getProperty("agentplane.db.password", String.class).orElse("");
    this.applicationRole =
        context.getRequiredProperty("datasources.default.username", String.class);
    this.applicationPassword =
        context.getProperty("datasources.default.password", String.class).orElse("");
    this.schema = context.getRequiredProperty("agentplane.service.schema", String.class);
  }

  /** Probes the schema of the service running in {@code context}. */
  public static RowLevelSecurityProbe of(ApplicationContext context) {
    return new RowLevelSecurityProbe(context);
  }

  /** The service's tables, but Flyway's history, as the owner sees them. */
  public List<String> tables() throws SQLException {
    return tableNames("");
  }

  /**
   * The tables, but those in {@code notTenantOwned}, that are not protected: without a {@code
   * tenant_id} column, without row-level security enabled and forced, or without the {@code
   * tenant_isolation} policy.
   */
  public List<String> tablesLackingAPolicy(Set<String> notTenantOwned) throws SQLException {
    List<String> lacking =
        tableNames(
            """
            AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                 AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid
                                AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                 AND EXISTS (SELECT FROM pg_policies p WHERE p.schemaname = n.nspname
                                AND p.tablename = c.relname
                                AND p.policyname = 'tenant_isolation'))
            """);
    lacking.removeAll(notTenantOwned);
    return lacking;
  }

  private List<String> tableNames(String condition) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection connection = asOwner();
        PreparedStatement statement =
            connection.prepareStatement(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
                   AND c.relname <> 'flyway_schema_history'
                """
                    + condition
                    + " ORDER BY c.relname")) {
      statement.setString(1, schema);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
    }
    return tables;
  }

  /** Rows per table as the owner sees them (a superuser in tests: every row). */
  public Map<String, Long> rowsSeenByOwner() throws SQLException {
    try (Connection connection = asOwner()) {
      return countRows(connection);
    }
  }

  /** Rows per table whose tenant_id is {@code tenantId}, as the owner counts them. */
  public Map<String, Long> rowsOfTenantSeenByOwner(String tenantId) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection connection = asOwner()) {
      for (String table : tables()) {
        try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT count(*) FROM \"" + schema + "\".\"" + table + "\" WHERE tenant_id = ?")) {
          statement.setString(1, tenantId);
          try (ResultSet count = statement.executeQuery()) {
            count.next();
            counts.put(table, count.getLong(1));
          }
        }
      }
    }
    return counts;
  }

  /**
   * Runs {@code sql} as the application role in a transaction scoped to {@code tenantId}, and rolls
   * it back; returns the SQLState it failed with, or null when it succeeded. Table names resolve in
   * the service's schema.
   */
  public String sqlStateOfApplicationStatement(String tenantId, String sql) throws SQLException {
    try (Connection connection =
        DriverManager.getConnection(url, applicationRole, applicationPassword)) {
      connection.setSchema(schema);
      connection.setAutoCommit(false);
      try (PreparedStatement bind =
          connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
        bind.setString(1, tenantId);
        bind.execute();
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute(sql);
        return null;
      } catch (SQLException e) {
        return e.getSQLState();
      } finally {
        connection.rollback();
      }
    }
  }

  /**
   * Rows per table as the application role sees them, in a transaction scoped to {@code tenantId},
   * or to no tenant when it is null.
   */
  public Map<String, Long> rowsSeenByApplication(String tenantId) throws SQLException {
    try (Connection connection =
        DriverManager.getConnection(url, applicationRole, applicationPassword)) {
      connection.setAutoCommit(false);
      if (tenantId != null) {
        try (PreparedStatement bind =
            connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
          bind.setString(1, tenantId);
          bind.execute();
        }
      }
      Map<String, Long> counts = countRows(connection);
      connection.rollback();
      return counts;
    }
  }

  private Map<String, Long> countRows(Connection connection) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String table : tables()) {
      try (Statement statement = connection.createStatement();
          ResultSet count =
              statement.executeQuery("SELECT count(*) FROM \"" + schema + "\".\"" + table + "\"")) {
        count.next();
        counts.put(table, count.getLong(1));
      }
    }
    return counts;
  }

  private Connection asOwner() throws SQLException {
    return DriverManager.getConnection(url, owner, ownerPassword);
  }
}
