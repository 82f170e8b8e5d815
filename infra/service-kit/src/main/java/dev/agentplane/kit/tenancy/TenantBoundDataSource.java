package dev.agentplane.kit.tenancy;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The application's datasource: each transaction it begins is scoped to the tenant in {@link
 * TenantScope}, with {@code SET LOCAL app.tenant_id} sent in the same round trip as {@code BEGIN}.
 * The setting ends with the transaction, so a pooled connection never carries a tenant from one
 * transaction to the next; work outside any transaction, or with no tenant in scope, matches no
 * tenant row at all.
 */
final class TenantBoundDataSource implements DataSource {

  private final DataSource pool;

  TenantBoundDataSource(DataSource pool) {
    this.pool = pool;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return bound(pool.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return bound(pool.getConnection(username, password));
  }

  private static Connection bound(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            TenantBoundDataSource.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new BindOnBegin(connection));
  }

  /** Scopes a transaction as the transaction manager begins it by turning auto-commit off. */
  private record BindOnBegin(Connection connection) implements InvocationHandler {

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      Object result;
      try {
        result = method.invoke(connection, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (method.getName().equals("setAutoCommit") && Boolean.FALSE.equals(args[0])) {
        String tenant = TenantScope.current().orElse(null);
        if (tenant != null) {
          TenantScope.bindTransaction(connection, tenant);
        }
      }
      return result;
    }
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || pool.isWrapperFor(type);
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }
}
