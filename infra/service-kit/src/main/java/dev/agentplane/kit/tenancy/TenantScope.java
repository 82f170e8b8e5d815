package dev.agentplane.kit.tenancy;

import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.propagation.PropagatedContextElement;
import io.micronaut.http.context.ServerRequestContext;
import io.micronaut.security.authentication.Authentication;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which tenant the database work of this thread is for. Row-level security in every service schema
 * shows a transaction only the rows of the tenant named in {@code app.tenant_id}, which {@link
 * TenantBoundDataSource} sets with {@code SET LOCAL} when the transaction begins; this class says
 * what to set it to.
 *
 * <p>An HTTP request is scoped to its authenticated principal's tenant without any code of its own.
 * Work that no request carries (a Kafka event, a run a worker executes) names its tenant with
 * {@link #call}. Work with no tenant at all sees no tenant rows: background jobs that must see
 * every tenant use the separate {@code jobs} datasource instead.
 */
public final class TenantScope {

  /** The PostgreSQL setting the row-level security policies compare {@code tenant_id} with. */
  public static final String SETTING = "app.tenant_id";

  private static final String BIND_SQL = "SELECT set_config('" + SETTING + "', ?, true)";

  private record Tenant(String id) implements PropagatedContextElement {}

  private TenantScope() {}

  /** Runs {@code work} for {@code tenantId}, on this thread and wherever its context propagates. */
  public static <T> T call(String tenantId, Supplier<T> work) {
    if (tenantId == null || tenantId.isBlank()) {
      throw new IllegalArgumentException("A tenant scope needs a tenant id");
    }
    try (PropagatedContext.Scope ignored =
        PropagatedContext.getOrEmpty().plus(new Tenant(tenantId)).propagate()) {
      return work.get();
    }
  }

  /** Runs {@code work} for {@code tenantId}. */
  public static void run(String tenantId, Runnable work) {
    call(
        tenantId,
        () -> {
          work.run();
          return null;
        });
  }

  /**
   * The tenant in scope: the one named by the innermost {@link #call}, else the tenant of the
   * authenticated principal of the HTTP request being served, else none.
   */
  public static Optional<String> current() {
    Optional<String> named = PropagatedContext.getOrEmpty().find(Tenant.class).map(Tenant::id);
    if (named.isPresent()) {
      return named;
    }
    return ServerRequestContext.currentRequest()
        .flatMap(request -> request.getUserPrincipal(Authentication.class))
        .map(authentication -> authentication.getAttributes().get(TenantPrincipal.TENANT_CLAIM))
        .filter(String.class::isInstance)
        .map(String.class::cast)
        .filter(tenant -> !tenant.isBlank());
  }

  /**
   * Scopes the rest of the transaction open on {@code connection} to {@code tenantId}, for a
   * transaction that writes for several tenants one after the other (a group commit). Ends with the
   * transaction.
   */
  public static void bindTransaction(Connection connection, String tenantId) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(BIND_SQL)) {
      statement.setString(1, tenantId);
      statement.execute();
    }
  }
}
