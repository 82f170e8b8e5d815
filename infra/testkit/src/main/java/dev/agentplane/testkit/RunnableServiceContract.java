package dev.agentplane.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every AgentPlane service promises from the moment it starts, checked against a real
 * PostgreSQL and Kafka: migrated schema, health, metrics, and tokens refused unless valid. A
 * service's test extends it with {@code @MicronautTest} and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RunnableServiceContract implements RealInfrastructure {

  private final HttpClient http = HttpClient.newHttpClient();
  private final TestTokens tokens = TestTokens.standard();

  @Inject protected EmbeddedServer server;
  @Inject protected ApplicationContext context;

  @Test
  void reportsHealthyWithItsDatabaseAndKafka() throws Exception {
    assertThat(get("/health", null).statusCode()).isEqualTo(200);
    assertThat(get("/health/liveness", null).statusCode()).isEqualTo(200);
    assertThat(get("/health/readiness", null).statusCode()).isEqualTo(200);

    HttpResponse<String> readiness = get("/health/readiness", tokens.user("ops", "olga", "admin"));
    assertThat(readiness.body()).contains("jdbc").contains("kafka");

    HttpResponse<String> details = get("/health", tokens.user("ops", "olga", "admin"));
    assertThat(details.body()).contains("\"status\":\"UP\"").contains("jdbc").contains("kafka");
  }

  @Test
  void exposesPrometheusMetrics() throws Exception {
    HttpResponse<String> metrics = get("/prometheus", null);

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("jvm_memory_used_bytes", "agentplane_outbox_pending");
  }

  @Test
  void migratesItsOwnSchemaWithTheOutboxAndProcessedEventTables() throws Exception {
    String schema = context.getRequiredProperty("agentplane.service.schema", String.class);
    List<String> tables = new ArrayList<>();
    try (Connection connection = asOwner();
        var statement =
            connection.prepareStatement(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
      statement.setString(1, schema);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
    }
    assertThat(tables).contains("outbox_event", "processed_event", "flyway_schema_history");
  }

  /**
   * The service's tables that hold no tenant's data (and so no row-level security policy), each for
   * a reason its README gives. None by default.
   */
  protected Set<String> tablesWithoutTenants() {
    return Set.of();
  }

  @Test
  void protectsEveryTenantTableWithRowLevelSecurity() throws Exception {
    RowLevelSecurityProbe probe = RowLevelSecurityProbe.of(context);

    assertThat(probe.tables()).contains("outbox_event", "processed_event");
    assertThat(probe.tablesLackingAPolicy(tablesWithoutTenants()))
        .as("tables without tenant_id, forced row-level security and the tenant_isolation policy")
        .isEmpty();
  }

  @Test
  void logsInAsARoleThatIsNeitherOwnerNorExemptFromRowLevelSecurity() throws Exception {
    String applicationRole =
        context.getRequiredProperty("datasources.default.username", String.class);
    try (Connection connection = asOwner();
        var statement =
            connection.prepareStatement(
                """
                SELECT r.rolsuper, r.rolbypassrls,
                       EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = ? AND pg_get_userbyid(c.relowner) = r.rolname)
                  FROM pg_roles r WHERE r.rolname = ?
                """)) {
      statement.setString(
          1, context.getRequiredProperty("agentplane.service.schema", String.class));
      statement.setString(2, applicationRole);
      try (ResultSet role = statement.executeQuery()) {
        assertThat(role.next()).as("role %s exists", applicationRole).isTrue();
        assertThat(role.getBoolean(1)).as("superuser").isFalse();
        assertThat(role.getBoolean(2)).as("bypassrls").isFalse();
        assertThat(role.getBoolean(3)).as("owns a table of the schema").isFalse();
      }
    }
  }

  @Test
  void refusesRequestsWithoutAValidTenantToken() throws Exception {
    List<String> refused =
        java.util.Arrays.asList(
            null,
            tokens.withoutTenant(),
            tokens.expired("acme"),
            tokens.wrongAudience("acme"),
            tokens.wrongIssuer("acme"),
            tokens.algNone("acme"),
            tokens.badSignature("acme"));
    for (String token : refused) {
      HttpResponse<String> response = get("/v1/anything", token);
      assertThat(response.statusCode()).as("token %s", token).isEqualTo(401);
      assertThat(response.headers().firstValue("Content-Type"))
          .as("token %s", token)
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .as("token %s", token)
          .hasValue(
              token == null
                  ? "Bearer realm=\"agentplane\""
                  : "Bearer realm=\"agentplane\", error=\"invalid_token\"");
    }
  }

  @Test
  void acceptsAValidTenantToken() throws Exception {
    HttpResponse<String> response = get("/v1/anything", tokens.user("acme", "alice", "admin"));

    assertThat(response.statusCode()).isNotEqualTo(401).isNotEqualTo(403);
  }

  /** The schema owner's login (a superuser in tests), which sees every table and row. */
  private Connection asOwner() throws SQLException {
    return DriverManager.getConnection(
        context.getRequiredProperty("agentplane.db.url", String.class),
        context.getProperty("agentplane.db.user", String.class).orElse(""),
        context.getProperty("agentplane.db.password", String.class).orElse(""));
  }

  protected HttpResponse<String> get(String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURL() + path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
