package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.request.ApprovalSweep;
import dev.agentplane.approval.webhook.Receiver;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.RowLevelSecurityProbe;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.context.ApplicationContext;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Row-level security seen from the database: two tenants' real traffic (the API, a Kafka request,
 * signed inbound decisions, webhook deliveries, the SLA sweep) fills every table of the schema;
 * then the application role sees nothing without a tenant, exactly the tenant's rows with one, and
 * may not write another tenant's; the jobs role sees every tenant of its tables only.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowLevelSecurityIT extends InboundTestSupport {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Inject ApplicationContext context;
  @Inject ApprovalSweep sweep;
  @Inject TransactionOperations<Connection> transactions;

  private final String tenantA = newTenant();
  private final String tenantB = newTenant();
  private final Map<String, UUID> webhookOf = new HashMap<>();
  private Receiver receiver;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("agentplane.approval.webhooks.require-https", "false");
    properties.put("agentplane.approval.webhooks.allowed-hosts", "127.0.0.1");
    properties.put("agentplane.approval.webhooks.poll-interval", "100ms");
    // The sweep runs when the test says (sweepAsOf), so the counts hold still while compared.
    properties.put("agentplane.approval.scheduler.enabled", "false");
    return properties;
  }

  @BeforeAll
  void bothTenantsUseEveryFeature() throws Exception {
    receiver = Receiver.start();
    for (String tenant : List.of(tenantA, tenantB)) {
      useEveryFeature(tenant);
    }
    // The Kafka requests' expiry and the reminders, of both tenants: found across tenants, each
    // done in its tenant's own transaction.
    ApprovalSweep.Report swept = sweep.sweepAsOf(Instant.now().plus(Duration.ofHours(2)));
    assertThat(swept).isEqualTo(new ApprovalSweep.Report(2, 0, 2));
    // Every delivery of both tenants delivered: nothing the dispatcher does changes a count after.
    await()
        .atMost(DEADLINE)
        .until(
            () ->
                ownerCount("SELECT count(*) FROM webhook_delivery WHERE status <> ?", "succeeded")
                    == 0);
  }

  @AfterAll
  void stopReceiver() {
    receiver.close();
  }

  @Test
  void withoutATenantTheApplicationRoleSeesNoRowOfAnyTable() throws Exception {
    RowLevelSecurityProbe probe = RowLevelSecurityProbe.of(context);

    Map<String, Long> seenByOwner = probe.rowsSeenByOwner();
    assertThat(seenByOwner.keySet())
        .containsExactlyInAnyOrder(
            "outbox_event",
            "processed_event",
            "approval_request",
            "approval_decision",
            "approval_audit",
            "webhook_subscription",
            "webhook_delivery",
            "webhook_delivery_attempt",
            "inbound_secret",
            "inbound_message");
    // The traffic filled every table, so "no rows" below is the policy's doing, not emptiness.
    assertThat(seenByOwner).allSatisfy((table, rows) -> assertThat(rows).as(table).isPositive());

    assertThat(probe.rowsSeenByApplication(null))
        .allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
  }

  @Test
  void withATenantTheApplicationRoleSeesExactlyThatTenantsRows() throws Exception {
    RowLevelSecurityProbe probe = RowLevelSecurityProbe.of(context);
    Map<String, Long> all = probe.rowsSeenByOwner();

    for (String tenant : List.of(tenantA, tenantB)) {
      Map<String, Long> seen = probe.rowsSeenByApplication(tenant);
      assertThat(seen)
          .as("rows tenant %s sees", tenant)
          .isEqualTo(probe.rowsOfTenantSeenByOwner(tenant));
      assertThat(seen).allSatisfy((table, rows) -> assertThat(rows).as(table).isPositive());
      // The other tenant's rows are there, and not shown.
      assertThat(seen)
          .allSatisfy((table, rows) -> assertThat(rows).as(table).isLessThan(all.get(table)));
    }
  }

  @Test
  void theApplicationRoleMayNotWriteAnotherTenantsRows() throws Exception {
    RowLevelSecurityProbe probe = RowLevelSecurityProbe.of(context);
    UUID deliveryOfB = ownerUuid("SELECT id FROM webhook_delivery WHERE tenant_id = ?", tenantB);

    // In tenant A's scope, a row claiming tenant B fails the policy's WITH CHECK
    // (insufficient_privilege): planted in an old table, in V5's column, or moved there.
    assertThat(
            probe.sqlStateOfApplicationStatement(
                tenantA,
                "INSERT INTO inbound_secret (tenant_id, key_id, nonce, ciphertext, created_at,"
                    + " rotated_at) VALUES ('"
                    + tenantB
                    + "', 'k', '\\x00', '\\x00', now(), now())"))
        .isEqualTo("42501");
    assertThat(
            probe.sqlStateOfApplicationStatement(
                tenantA,
                "INSERT INTO webhook_delivery_attempt (delivery_id, tenant_id, attempt,"
                    + " attempted_at, status_code, latency_ms) VALUES ('"
                    + deliveryOfB
                    + "', '"
                    + tenantB
                    + "', 99, now(), 200, 1)"))
        .isEqualTo("42501");
    assertThat(
            probe.sqlStateOfApplicationStatement(
                tenantA, "UPDATE webhook_delivery_attempt SET tenant_id = '" + tenantB + "'"))
        .isEqualTo("42501");
    // Through the service's own datasource, B's rows are invisible to A's changes: nothing matches.
    assertThat(
            asTenant(
                tenantA, "UPDATE inbound_secret SET key_id = 'x' WHERE tenant_id = ?", tenantB))
        .isZero();
    assertThat(asTenant(tenantA, "DELETE FROM webhook_subscription WHERE tenant_id = ?", tenantB))
        .isZero();
    assertThat(ownerCount("SELECT count(*) FROM webhook_subscription WHERE tenant_id = ?", tenantB))
        .isEqualTo(1);
  }

  @Test
  void theJobsRoleSeesEveryTenantOfItsTablesAndNoOtherTable() throws Exception {
    try (Connection jobs = jobsLogin()) {
      for (String table :
          List.of(
              "outbox_event",
              "approval_request",
              "webhook_delivery",
              "inbound_message",
              "webhook_subscription",
              "inbound_secret")) {
        assertThat(count(jobs, "SELECT count(DISTINCT tenant_id) FROM " + table))
            .as(table)
            .isGreaterThanOrEqualTo(2);
      }
      for (String table :
          List.of(
              "approval_decision",
              "approval_audit",
              "webhook_delivery_attempt",
              "processed_event")) {
        assertThatThrownBy(() -> count(jobs, "SELECT count(*) FROM " + table))
            .as(table)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
      }
    }
  }

  /** A webhook, an inbound secret, API, Kafka and signed decisions, and a reminder due. */
  private void useEveryFeature(String tenant) throws Exception {
    Reply subscribed =
        api()
            .post(
                "/v1/webhooks",
                admin(tenant),
                ServiceApi.JSON
                    .createObjectNode()
                    .put("url", receiver.url("/hooks/" + tenant))
                    .set(
                        "eventTypes",
                        ServiceApi.JSON
                            .createArrayNode()
                            .add("approval.requested")
                            .add("approval.decided")
                            .add("approval.reminder")
                            .add("approval.expired"))
                    .toString());
    assertThat(subscribed.status()).as(subscribed.raw()).isEqualTo(201);
    webhookOf.put(tenant, UUID.fromString(subscribed.body().path("id").asText()));
    String secret = inboundSecret(tenant);

    JsonNode decidedByApi = open(tenant, anApproval());
    assertThat(approve(decidedByApi, approver(tenant, "ann")).status()).isEqualTo(200);

    JsonNode decidedBySignature = open(tenant, anApproval());
    Reply signed =
        sendSigned(tenant, secret, decision(decidedBySignature, "bob", "approve").toString());
    assertThat(signed.status()).as(signed.raw()).isEqualTo(200);

    open(tenant, anApproval().remindAfter(Duration.ofMinutes(5)));

    UUID fromKafka = UUID.randomUUID();
    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      producer
          .send(
              EventEnvelope.toKafkaRecord(
                  requested(tenant, fromKafka), URI.create("/agentplane/execution"), null))
          .get();
    }
    String viewer = viewer(tenant);
    await()
        .atMost(DEADLINE)
        .until(() -> api().get("/v1/approvals/" + fromKafka, viewer).status() == 200);
  }

  private static ApprovalRequested requested(String tenant, UUID approvalId) {
    ObjectNode context = ServiceApi.JSON.createObjectNode().put("toolName", "wire-transfer");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new ApprovalRequested(
        UUID.randomUUID(),
        now,
        1,
        tenant,
        approvalId,
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(UUID.randomUUID(), "call-1"),
        new Requester("user-operator", List.of("operator"), PrincipalType.USER),
        "Wire 1250 EUR to ACME",
        "The invoice agent wants to pay.",
        context,
        new ApprovalPolicy(
            1, List.of("approver", "admin"), true, now.plusSeconds(3600), ExpiryOutcome.REJECT));
  }

  /** Runs one statement through the service's datasource in a transaction of the tenant. */
  private int asTenant(String tenant, String sql, Object... parameters) {
    return TenantScope.call(
        tenant,
        () ->
            transactions.executeWrite(
                status -> {
                  try (PreparedStatement statement = status.getConnection().prepareStatement(sql)) {
                    for (int i = 0; i < parameters.length; i++) {
                      statement.setObject(i + 1, parameters[i]);
                    }
                    return statement.executeUpdate();
                  }
                }));
  }

  private long ownerCount(String sql, String parameter) throws SQLException {
    try (Connection owner = ownerLogin();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      statement.setString(1, parameter);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private UUID ownerUuid(String sql, String parameter) {
    try (Connection owner = ownerLogin();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      statement.setString(1, parameter);
      try (ResultSet rows = statement.executeQuery()) {
        assertThat(rows.next()).as(sql).isTrue();
        return rows.getObject(1, UUID.class);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(Connection connection, String sql) throws SQLException {
    connection.setAutoCommit(false);
    try (PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    } finally {
      connection.rollback();
    }
  }

  private Connection ownerLogin() throws SQLException {
    return login(
        context.getRequiredProperty("agentplane.db.user", String.class),
        context.getProperty("agentplane.db.password", String.class).orElse(""));
  }

  private Connection jobsLogin() throws SQLException {
    return login(
        context.getRequiredProperty("datasources.jobs.username", String.class),
        context.getProperty("datasources.jobs.password", String.class).orElse(""));
  }

  private Connection login(String user, String password) throws SQLException {
    Connection connection =
        DriverManager.getConnection(
            context.getRequiredProperty("agentplane.db.url", String.class), user, password);
    try (PreparedStatement schema =
        connection.prepareStatement("SELECT set_config('search_path', ?, false)")) {
      schema.setString(1, context.getRequiredProperty("agentplane.service.schema", String.class));
      schema.execute();
    }
    return connection;
  }
}
