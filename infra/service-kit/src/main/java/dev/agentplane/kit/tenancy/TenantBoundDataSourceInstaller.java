package dev.agentplane.kit.tenancy;

import com.zaxxer.hikari.HikariConfig;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.core.naming.NameResolver;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Puts {@link TenantBoundDataSource} in front of the {@code default} datasource, the one every
 * repository, transaction and request uses. The {@code jobs} datasource is left as it is: its role
 * sees every tenant of the few tables its policies open to it.
 *
 * <p>Runs first, so that Micronaut Data's own wrapper (which hands third-party code the connection
 * of the current transaction) wraps this one; Micronaut Data unwraps only its own wrapper, and
 * opens its connections here.
 */
@Singleton
final class TenantBoundDataSourceInstaller
    implements BeanCreatedEventListener<DataSource>, Ordered {

  static final String APPLICATION_DATASOURCE = "default";

  private final int reservedForShared;

  /**
   * @param reservedForShared connections of the pool kept for work with no tenant in scope (the
   *     execution service's two group-commit writers); at most the pool's size less one
   */
  TenantBoundDataSourceInstaller(
      @Value("${agentplane.db.reserved-for-shared-work:2}") int reservedForShared) {
    this.reservedForShared = reservedForShared;
  }

  @Override
  public int getOrder() {
    return HIGHEST_PRECEDENCE;
  }

  @Override
  public DataSource onCreated(BeanCreatedEvent<DataSource> event) {
    DataSource dataSource = event.getBean();
    boolean application =
        event.getBeanDefinition() instanceof NameResolver names
            && names.resolveName().map(APPLICATION_DATASOURCE::equals).orElse(false);
    if (!application || dataSource instanceof TenantBoundDataSource) {
      return dataSource;
    }
    // The pool's size and connection timeout, so the turns hand out what the pool holds and a
    // caller waits no longer for its turn than the pool would have had it wait.
    if (!(dataSource instanceof HikariConfig pool)) {
      throw new IllegalStateException(
          "The application datasource is a " + dataSource.getClass().getName() + ", not Hikari");
    }
    int size = pool.getMaximumPoolSize();
    return new TenantBoundDataSource(
        dataSource,
        size,
        Math.min(reservedForShared, size - 1),
        Duration.ofMillis(pool.getConnectionTimeout()));
  }
}
