package dev.agentplane.kit.tenancy;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The application's datasource: each transaction it begins is scoped to the tenant in {@link
 * TenantScope}, with {@code SET LOCAL app.tenant_id} sent in the same round trip as {@code BEGIN}.
 * The setting ends with the transaction, so a pooled connection never carries a tenant from one
 * transaction to the next; work outside any transaction, or with no tenant in scope, matches no
 * tenant row at all.
 *
 * <p>The pool's connections are handed out to the tenants in turn ({@link TenantFairPermits}, as
 * many permits as the pool has connections; work with no tenant in scope goes first, and a few
 * connections are kept for it): the pool's own queue is first come, first served, and a thread dump
 * of the execution service during the noisy-neighbour benchmark showed a hundred of the flooding
 * tenant's intakes and claims waiting in it, ahead of every other tenant's.
 */
final class TenantBoundDataSource implements DataSource {

  private final DataSource pool;
  private final TenantFairPermits connections;
  private final Duration patience;

  /**
   * @param connections the pool's size
   * @param reservedForAll connections only work with no tenant in scope may take
   * @param patience how long a caller waits for its turn, as the pool's own connection timeout
   */
  TenantBoundDataSource(DataSource pool, int connections, int reservedForAll, Duration patience) {
    this.pool = pool;
    this.connections = new TenantFairPermits(connections, reservedForAll);
    this.patience = patience;
  }

  @Override
  public Connection getConnection() throws SQLException {
    awaitTurn();
    try {
      return bound(pool.getConnection());
    } catch (SQLException | RuntimeException e) {
      connections.release();
      throw e;
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    awaitTurn();
    try {
      return bound(pool.getConnection(username, password));
    } catch (SQLException | RuntimeException e) {
      connections.release();
      throw e;
    }
  }

  /** Callers waiting for their turn now. */
  int waiting() {
    return connections.waiting();
  }

  /** Connections free now. */
  int free() {
    return connections.free();
  }

  private void awaitTurn() throws SQLException {
    // No tenant in scope: work for all of them (a group commit of many tenants' steps), served
    // first.
    String tenant = TenantScope.current().orElse(null);
    boolean granted;
    try {
      granted = connections.acquire(tenant, patience);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientConnectionException("Interrupted while waiting for a connection", e);
    }
    if (!granted) {
      throw new SQLTransientConnectionException(
          "No connection came free within "
              + patience.toMillis()
              + " ms ("
              + connections.waiting()
              + " callers waiting)");
    }
  }

  private Connection bound(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            TenantBoundDataSource.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new BindOnBegin(connection, connections));
  }

  /**
   * Scopes a transaction as the transaction manager begins it by turning auto-commit off, and gives
   * the connection's permit back when the connection is closed (once, however often it is closed).
   */
  private static final class BindOnBegin implements InvocationHandler {

    private final Connection connection;
    private final TenantFairPermits connections;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BindOnBegin(Connection connection, TenantFairPermits connections) {
      this.connection = connection;
      this.connections = connections;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getName().equals("close") && args == null) {
        if (closed.compareAndSet(false, true)) {
          try {
            connection.close();
          } finally {
            connections.release();
          }
        }
        return null;
      }
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
