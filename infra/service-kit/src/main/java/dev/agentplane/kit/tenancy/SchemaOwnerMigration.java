package dev.agentplane.kit.tenancy;

import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.BeanContext;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.flyway.FlywayConfigurationProperties;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Migrates the service's schema as its owner before the first connection pool opens. The pools log
 * in as the application and jobs roles, which the migrations create and grant: a pool opened first
 * would fail on a new database. Flyway's configuration {@code flyway.datasources.owner} names no
 * datasource of the application, so micronaut-flyway runs it with its own URL and owner credentials
 * as soon as the bean exists; this listener makes it exist in time.
 */
@Singleton
final class SchemaOwnerMigration implements BeanCreatedEventListener<DatasourceConfiguration> {

  static final String OWNER_CONFIGURATION = "owner";

  private final BeanContext beans;
  private final AtomicBoolean migrated = new AtomicBoolean();

  SchemaOwnerMigration(BeanContext beans) {
    this.beans = beans;
  }

  @Override
  public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
    if (migrated.compareAndSet(false, true)) {
      beans.findBean(FlywayConfigurationProperties.class, Qualifiers.byName(OWNER_CONFIGURATION));
    }
    return event.getBean();
  }
}
