package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.Test;

/**
 * V5 on a database that already holds webhook attempts and already has row-level security: the
 * attempts take their delivery's tenant, although the owner that migrates (no superuser outside
 * tests) is held to the forced policies of {@code webhook_delivery}.
 */
class AttemptTenantMigrationIT {

  private static final String SCHEMA = "approval";

  @Test
  void attemptsLoggedBeforeV5TakeTheirDeliverysTenantWhenAnOwnerHeldToTheForcedPolicyMigrates()
      throws Exception {
    TestPostgres.TestDatabase database =
        TestPostgres.get().createDatabase("AttemptTenantMigrationIT");
    String owner = "approval_owner_" + UUID.randomUUID().toString().replace("-", "");
    String password = UUID.randomUUID().toString();
    try (Connection admin = database.connect();
        Statement statement = admin.createStatement()) {
      statement.execute(
          "CREATE ROLE " + owner + " LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '" + password + "'");
      statement.execute(
          "DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO "
              + owner
              + "', current_database()); END $$");
      // Where the owner may not create roles, they are made first (service-kit README).
      for (String role : List.of("agentplane_app", "agentplane_jobs")) {
        statement.execute(
            "DO $$ BEGIN CREATE ROLE "
                + role
                + " LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL;"
                + " END $$");
      }
    }

    // A database as the previous release left it: V4, then the kit's policies (FORCE included).
    flyway(database, owner, password).target("4").load().migrate();
    assertThat(forcedRowLevelSecurity(database, "webhook_delivery")).isTrue();
    UUID deliveryOfA = UUID.randomUUID();
    UUID deliveryOfB = UUID.randomUUID();
    try (Connection admin = database.connect()) {
      logAttempts(admin, "tenant-a", deliveryOfA, 2);
      logAttempts(admin, "tenant-b", deliveryOfB, 1);
    }

    // The upgrade is a later start: the kit's repeatable migration changes with
    // ${flyway:timestamp},
    // to the second, and runs again after V5 only in a later second.
    long previousStart = Instant.now().getEpochSecond();
    await().until(() -> Instant.now().getEpochSecond() > previousStart);
    flyway(database, owner, password).load().migrate();

    try (Connection admin = database.connect();
        PreparedStatement statement =
            admin.prepareStatement(
                "SELECT delivery_id, tenant_id FROM approval.webhook_delivery_attempt"
                    + " ORDER BY tenant_id, attempt");
        ResultSet rows = statement.executeQuery()) {
      List<String> attempts = new ArrayList<>();
      while (rows.next()) {
        attempts.add(rows.getString(2) + "/" + rows.getString(1));
      }
      assertThat(attempts)
          .containsExactly(
              "tenant-a/" + deliveryOfA, "tenant-a/" + deliveryOfA, "tenant-b/" + deliveryOfB);
    }
    assertThat(forcedRowLevelSecurity(database, "webhook_delivery")).isTrue();
    assertThat(forcedRowLevelSecurity(database, "webhook_delivery_attempt")).isTrue();
  }

  private static FluentConfiguration flyway(
      TestPostgres.TestDatabase database, String owner, String password) {
    return Flyway.configure()
        .dataSource(database.jdbcUrl(), owner, password)
        .schemas(SCHEMA)
        .defaultSchema(SCHEMA)
        .createSchemas(true)
        .locations("classpath:db/kit", "classpath:db/" + SCHEMA)
        .placeholders(
            Map.of(
                "approle", "agentplane_app",
                "apppassword", "",
                "jobsrole", "agentplane_jobs",
                "jobspassword", "",
                "jobstables", "outbox_event,webhook_delivery"));
  }

  /** A subscription of the tenant with one delivery and its attempts, written as a DBA would. */
  private static void logAttempts(Connection admin, String tenant, UUID delivery, int attempts)
      throws SQLException {
    UUID subscription = UUID.randomUUID();
    try (PreparedStatement insert =
        admin.prepareStatement(
            "INSERT INTO approval.webhook_subscription (id, tenant_id, url, event_types, enabled,"
                + " secret_key_id, secret_nonce, secret_ciphertext, created_by, created_at,"
                + " updated_at) VALUES (?, ?, 'https://example.com/hooks', '{approval.decided}',"
                + " true, 'k', '\\x00', '\\x00', 'alice', now(), now())")) {
      insert.setObject(1, subscription);
      insert.setString(2, tenant);
      insert.executeUpdate();
    }
    try (PreparedStatement insert =
        admin.prepareStatement(
            "INSERT INTO approval.webhook_delivery (id, tenant_id, subscription_id, message_id,"
                + " event_type, body, status, attempts, attempt_limit, next_attempt_at,"
                + " created_at) VALUES (?, ?, ?, ?, 'approval.decided', '{}', 'pending', ?, 8,"
                + " now(), now())")) {
      insert.setObject(1, delivery);
      insert.setString(2, tenant);
      insert.setObject(3, subscription);
      insert.setString(4, UUID.randomUUID().toString());
      insert.setInt(5, attempts);
      insert.executeUpdate();
    }
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try (PreparedStatement insert =
          admin.prepareStatement(
              "INSERT INTO approval.webhook_delivery_attempt (delivery_id, attempt, attempted_at,"
                  + " status_code, latency_ms) VALUES (?, ?, now(), 500, 12)")) {
        insert.setObject(1, delivery);
        insert.setInt(2, attempt);
        insert.executeUpdate();
      }
    }
  }

  private static boolean forcedRowLevelSecurity(TestPostgres.TestDatabase database, String table)
      throws SQLException {
    try (Connection admin = database.connect();
        PreparedStatement statement =
            admin.prepareStatement(
                "SELECT c.relforcerowsecurity FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = ? AND c.relname = ?")) {
      statement.setString(1, SCHEMA);
      statement.setString(2, table);
      try (ResultSet rows = statement.executeQuery()) {
        assertThat(rows.next()).as(table).isTrue();
        return rows.getBoolean(1);
      }
    }
  }
}
