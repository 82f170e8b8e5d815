package dev.agentplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.RowLevelSecurityProbe;
import io.micronaut.context.ApplicationContext;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The database's own wall between tenants, behind the registry's queries: with the service's login
 * and no tenant set a table shows nothing; with a tenant set, exactly that tenant's rows; and a row
 * for another tenant cannot be written.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowLevelSecurityIT extends RegistryTestSupport {

  @Inject ApplicationContext context;

  private final String tenantA = newTenant();
  private final String tenantB = newTenant();
  private RowLevelSecurityProbe probe;

  @BeforeAll
  void twoTenantsUseTheRegistry() {
    for (String tenant : new String[] {tenantA, tenantB}) {
      newResource(tenant, "tools", "echo", Specs.aTool());
      newResource(tenant, "agents", "helper", Specs.anAssistant("echo"));
      assertThat(
              api()
                  .put(
                      "/v1/secrets/API_KEY",
                      user(tenant, "admin"),
                      "{\"value\":\"sk-" + tenant + "\"}",
                      Map.of())
                  .status())
          .isEqualTo(201);
    }
    probe = RowLevelSecurityProbe.of(context);
  }

  @Test
  void theTablesHoldBothTenantsRowsForTheOwner() throws Exception {
    Map<String, Long> ofA = probe.rowsOfTenantSeenByOwner(tenantA);
    Map<String, Long> ofB = probe.rowsOfTenantSeenByOwner(tenantB);

    for (String table : new String[] {"resource", "resource_version", "secret", "outbox_event"}) {
      assertThat(ofA.get(table)).as("%s rows of A", table).isPositive();
      assertThat(ofB.get(table)).as("%s rows of B", table).isPositive();
    }
  }

  @Test
  void theServicesLoginWithoutATenantSeesNoRowInAnyTable() throws Exception {
    Map<String, Long> seen = probe.rowsSeenByApplication(null);

    assertThat(seen).isNotEmpty().containsOnlyKeys(probe.tables());
    assertThat(seen).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
  }

  @Test
  void theServicesLoginScopedToATenantSeesExactlyThatTenantsRows() throws Exception {
    assertThat(probe.rowsSeenByApplication(tenantA))
        .isEqualTo(probe.rowsOfTenantSeenByOwner(tenantA));
    assertThat(probe.rowsSeenByApplication(tenantB))
        .isEqualTo(probe.rowsOfTenantSeenByOwner(tenantB));
  }

  @Test
  void theServicesLoginCannotWriteOrChangeAnotherTenantsRows() throws Exception {
    String insertForB =
        "INSERT INTO secret (tenant_id, name, key_id, nonce, ciphertext, created_by, created_at,"
            + " updated_by, updated_at) VALUES ('"
            + tenantB
            + "', 'PLANTED', 'k', '\\x00', '\\x00', 'mallory', now(), 'mallory', now())";
    assertThat(probe.sqlStateOfApplicationStatement(tenantA, insertForB))
        .as("new row violates row-level security policy")
        .isEqualTo("42501");

    String moveToB = "UPDATE resource SET tenant_id = '" + tenantB + "'";
    assertThat(probe.sqlStateOfApplicationStatement(tenantA, moveToB)).isEqualTo("42501");
  }
}
