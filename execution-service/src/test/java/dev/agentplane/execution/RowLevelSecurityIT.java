package dev.agentplane.execution;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.withInputSchema;
import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.execution.support.ApprovalService;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.RowLevelSecurityProbe;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Row-level security with the service's real traffic: two tenants each start runs through the API
 * (one plain, one parked at a gate and decided on Kafka, one orchestrating a child run, one forked)
 * and through a run request on Kafka, and read their events over SSE. Then, looking at the database
 * with the service's own application role: without a tenant it sees no row of any table; with a
 * tenant it sees exactly that tenant's rows, as many as the owner counts for it; it cannot write a
 * row of another tenant. The jobs role sees only the tables its jobs need.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowLevelSecurityIT extends ExecutionTestSupport {

  private static final Duration SOON = Duration.ofSeconds(30);
  private static final String TOPIC_SCHEMA =
      "{'type':'object','properties':{'topic':{'type':'string'}},'required':['topic']}";

  /** The tables every tenant's traffic above leaves rows in (published outbox rows are deleted). */
  private static final Set<String> FILLED =
      Set.of("run", "run_checkpoint", "run_event", "run_gate", "run_audit", "processed_event");

  private final String tenantA = newTenant();
  private final String tenantB = newTenant();
  private final Map<String, String> otherRunOf = new LinkedHashMap<>();
  private RowLevelSecurityProbe probe;

  @BeforeAll
  void driveTrafficForTwoTenants() {
    probe = RowLevelSecurityProbe.of(context);
    for (String tenant : List.of(tenantA, tenantB)) {
      otherRunOf.put(tenant, traffic(tenant));
    }
  }

  @Test
  void withoutATenantTheApplicationRoleSeesNoRowOfAnyTable() throws Exception {
    Map<String, Long> seen = probe.rowsSeenByApplication(null);

    assertThat(seen.keySet()).containsAll(FILLED).contains("outbox_event");
    assertThat(seen).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
  }

  @Test
  void withATenantTheApplicationRoleSeesExactlyTheRowsTheOwnerCountsForIt() throws Exception {
    for (String tenant : List.of(tenantA, tenantB)) {
      Map<String, Long> owners = probe.rowsOfTenantSeenByOwner(tenant);
      assertThat(owners)
          .as("the traffic of %s left rows in every table it fills", tenant)
          .allSatisfy(
              (table, rows) -> {
                if (FILLED.contains(table)) {
                  assertThat(rows).as(table).isPositive();
                }
              });
      // Equal once the relay has drained the outbox (its rows vanish as they are published).
      await("the application role's view of " + tenant)
          .atMost(SOON)
          .untilAsserted(
              () ->
                  assertThat(probe.rowsSeenByApplication(tenant))
                      .isEqualTo(probe.rowsOfTenantSeenByOwner(tenant)));
    }
    assertThat(probe.rowsSeenByOwner().get("run"))
        .as("the owner sees both tenants' runs")
        .isGreaterThanOrEqualTo(
            probe.rowsOfTenantSeenByOwner(tenantA).get("run")
                + probe.rowsOfTenantSeenByOwner(tenantB).get("run"));
  }

  @Test
  void theApplicationRoleCannotWriteARowOfAnotherTenant() throws Exception {
    String eventForB =
        "INSERT INTO run_event (run_id, seq, tenant_id, type, data) VALUES ('"
            + otherRunOf.get(tenantB)
            + "', 100000, '"
            + tenantB
            + "', 'run.succeeded', '{}')";
    assertThat(probe.sqlStateOfApplicationStatement(tenantA, eventForB))
        .as("new row violates row-level security policy")
        .isEqualTo("42501");

    String runsOfAToB = "UPDATE run SET tenant_id = '" + tenantB + "'";
    assertThat(probe.sqlStateOfApplicationStatement(tenantA, runsOfAToB)).isEqualTo("42501");
  }

  @Test
  void theApplicationRoleCannotChangeARowOfAnotherTenant() throws Exception {
    try (Connection connection = asApplication(tenantA);
        PreparedStatement update =
            connection.prepareStatement("UPDATE run SET status = 'cancelled' WHERE id = ?")) {
      update.setObject(1, UUID.fromString(otherRunOf.get(tenantB)));

      assertThat(update.executeUpdate()).as("rows of another tenant changed").isZero();
    }
  }

  @Test
  void theJobsRoleSeesEveryTenantButOnlyOfTheTablesItsJobsNeed() throws Exception {
    try (Connection connection =
        DriverManager.getConnection(
            context.getRequiredProperty("agentplane.db.url", String.class),
            context.getRequiredProperty("datasources.jobs.username", String.class),
            context.getProperty("datasources.jobs.password", String.class).orElse(""))) {
      connection.setSchema(schema());
      try (PreparedStatement tenants =
          connection.prepareStatement(
              "SELECT count(DISTINCT tenant_id) FROM run WHERE tenant_id IN (?, ?)")) {
        tenants.setString(1, tenantA);
        tenants.setString(2, tenantB);
        try (ResultSet rows = tenants.executeQuery()) {
          rows.next();
          assertThat(rows.getInt(1)).as("tenants whose runs the jobs role sees").isEqualTo(2);
        }
      }
      for (String table : List.of("run_event", "run_audit", "processed_event")) {
        assertThatThrownBy(
                () -> connection.createStatement().executeQuery("SELECT 1 FROM " + table))
            .as(table)
            .isInstanceOfSatisfying(
                SQLException.class,
                refused -> assertThat(refused.getSQLState()).isEqualTo("42501"));
      }
    }
  }

  /**
   * A tenant's traffic through every path that writes: the API, Kafka intake, a gate decided on
   * Kafka, a child run, a fork, SSE reads. Answers the id of one of its runs.
   */
  private String traffic(String tenant) {
    registry.activeTool(tenant, "calculator", ToolSpecs.calculator());
    registry.activeTool(tenant, "echo", ToolSpecs.gated(ToolSpecs.echo(), "'always'"));
    registry.activeAgent(
        tenant,
        "adder",
        aScriptedAgent()
            .tools("calculator")
            .calls("calculator", "{'expression': '40 + 2'}")
            .answers("'42'")
            .build());
    registry.activeAgent(
        tenant,
        "payer",
        aScriptedAgent().tools("echo").calls("echo", "{'amount': 5}").answers("'paid'").build());
    registry.activeAgent(
        tenant, "researcher", withInputSchema(answering("Notes on {{input.topic}}"), TOPIC_SCHEMA));
    registry.activeTool(tenant, "research", ToolSpecs.agent("researcher"));
    registry.activeAgent(
        tenant,
        "orchestrator",
        withInputSchema(
            (ObjectNode)
                aScriptedAgent()
                    .kind("orchestrator")
                    .tools("research")
                    .calls("research", "{'topic':'{{input.topic}}'}")
                    .answers("'Summary: {{tool.research}}'")
                    .build(),
            TOPIC_SCHEMA));
    String operator = operator(tenant);
    String admin = tokens.user(tenant, "the-admin", "admin");

    JsonNode added = awaitEnd(operator, start(operator, "{\"agent\":\"adder\",\"input\":\"sum\"}"));
    assertThat(added.path("status").asText()).as(added.toString()).isEqualTo("succeeded");
    assertThat(names(events(operator, added))).contains("tool.succeeded", "run.succeeded");

    JsonNode gated = start(operator, "{\"agent\":\"payer\",\"input\":\"pay\"}");
    awaitStatus(operator, gated, "waiting_approval", SOON);
    SseEvent asked =
        named(eventsUntil(operator, gated, "tool.approval_requested"), "tool.approval_requested")
            .getFirst();
    ApprovalService.publish(
        ApprovalService.decision(
            tenant,
            UUID.fromString(gated.path("id").asText()),
            asked.data().path("toolCallId").asText(),
            ApprovalOutcome.APPROVED,
            null,
            null,
            "fine"));
    assertThat(awaitEnd(operator, gated).path("status").asText()).isEqualTo("succeeded");

    JsonNode parent =
        awaitEnd(
            operator, start(operator, "{\"agent\":\"orchestrator\",\"input\":{\"topic\":\"x\"}}"));
    assertThat(parent.path("output").asText())
        .as(parent.toString())
        .isEqualTo("Summary: Notes on x");

    Reply forked =
        api().post("/v1/runs/" + added.path("id").asText() + "/fork", admin, "{\"fromSeq\":1}");
    assertThat(forked.status()).as(forked.raw()).isEqualTo(202);
    assertThat(awaitEnd(admin, forked.body()).path("status").asText()).isEqualTo("succeeded");

    requestOnKafka(tenant);
    await("the run requested on Kafka in " + tenant)
        .atMost(SOON)
        .until(
            () ->
                listAll(admin, "agent=adder&status=succeeded&limit=100").stream()
                    .anyMatch(run -> run.path("createdBy").asText().equals("kafka-user")));
    return added.path("id").asText();
  }

  /** The run's events over SSE until one named {@code name} came. */
  private List<SseEvent> eventsUntil(String token, JsonNode run, String name) {
    try (var stream = openEvents(token, run, "", Map.of())) {
      List<SseEvent> seen = new ArrayList<>();
      while (seen.stream().noneMatch(event -> event.name().equals(name))) {
        SseEvent event = stream.next(SOON);
        assertThat(event).as("a " + name + " event").isNotNull();
        seen.add(event);
      }
      return seen;
    }
  }

  private static void requestOnKafka(String tenant) {
    RunRequested request =
        new RunRequested(
            UUID.randomUUID(),
            Instant.now(),
            1,
            tenant,
            null,
            "adder",
            null,
            new TextNode("sum on kafka"),
            RunMode.PRODUCTION,
            null,
            Map.of(),
            new Requester("kafka-user", List.of("operator"), PrincipalType.USER));
    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      producer
          .send(EventEnvelope.toKafkaRecord(request, URI.create("/tests/rls"), null))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Could not request a run on Kafka", e);
    }
  }

  /** A connection of the application role, in a transaction bound to {@code tenant}. */
  private Connection asApplication(String tenant) throws SQLException {
    Connection connection =
        DriverManager.getConnection(
            context.getRequiredProperty("agentplane.db.url", String.class),
            context.getRequiredProperty("datasources.default.username", String.class),
            context.getProperty("datasources.default.password", String.class).orElse(""));
    connection.setSchema(schema());
    connection.setAutoCommit(false);
    try (PreparedStatement bind =
        connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
      bind.setString(1, tenant);
      bind.execute();
    }
    return connection;
  }

  private String schema() {
    return context.getRequiredProperty("agentplane.service.schema", String.class);
  }
}
