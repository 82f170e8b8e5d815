package dev.agentplane.kit.tenancy;

import dev.agentplane.testkit.RealInfrastructure;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The application datasource on the real pool and database, cut to {@link #POOL} connections, all
 * open to tenants, with a caller's patience of the subclass's: the pool has one, so a test that
 * needs another is a class of its own.
 */
abstract class SmallFairPoolTestSupport implements RealInfrastructure {

  static final int POOL = 2;

  @Inject DataSource dataSource;

  /** How long a caller waits for a connection before the pool's timeout error. */
  abstract long patienceMillis();

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(RealInfrastructure.super.getProperties());
    properties.put("datasources.default.maximum-pool-size", String.valueOf(POOL));
    properties.put("datasources.default.minimum-idle", String.valueOf(POOL));
    properties.put("datasources.default.connection-timeout", String.valueOf(patienceMillis()));
    // Every connection open to tenants here; what is kept for shared work is unit-tested.
    properties.put("agentplane.db.reserved-for-shared-work", "0");
    return properties;
  }

  TenantBoundDataSource fair() throws SQLException {
    return dataSource.unwrap(TenantBoundDataSource.class);
  }

  /** A connection for the tenant in scope, waiting for one up to the patience. */
  Connection open() {
    try {
      return fair().getConnection();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
