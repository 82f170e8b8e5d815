package dev.agentplane.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.RecordedTopic;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The approval service's outbox relay killed (SIGKILL) after Kafka acknowledged a decision and
 * before the relay marked it sent: the restarted service publishes the decision again, and the
 * execution service, which consumes it, applies it once (its idempotent consumer finds the event id
 * in {@code processed_event}): one {@code tool.approval_decided}, one payment.
 *
 * <p>This test reaches past the door, as the crash suite does, and further: to stop the relay at
 * exactly that point, a trigger on the approval service's {@code outbox_event} (installed by a
 * superuser for the length of the test) makes marking a row sent wait for an advisory lock the test
 * holds. The test sees the decision on Kafka, sees the relay's marking wait, kills the process, and
 * lets go of the lock: the dead relay's transaction, which never got to commit, is rolled back by
 * PostgreSQL as its client is gone, and the row stays unsent.
 */
@ExtendWith(PlatformLogsOnFailure.class)
class RepublishedDecisionAppliedOnceIT {

  private static final Duration WITHIN = Duration.ofSeconds(90);

  /** The advisory lock marking an outbox row sent waits for while the test holds it. */
  private static final long MARKING_HELD = 0x0A9E_0B0C_5EA1L;

  /** The execution service's consumer of decisions, as its metrics and ledger name it. */
  private static final String DECISION_CONSUMER = "execution.tool-gate-decisions";

  private static final EventFormat CLOUD_EVENTS_JSON =
      EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);

  private final Platform platform = Platform.get();
  private final Registry registry = new Registry(platform);
  private final Approvals approvals = new Approvals(platform);
  private final Runs runs = new Runs(platform);
  private CountingToolServer payments;

  @BeforeEach
  void everyServiceRunsAndAPaymentApiListens() {
    platform.ensureEveryServiceRuns();
    payments = CountingToolServer.start();
  }

  @AfterEach
  void closePaymentApi() {
    payments.close();
  }

  @Test
  void aDecisionPublishedByARelayKilledBeforeMarkingItSentIsPublishedAgainAndAppliedOnce()
      throws Exception {
    Tenant acme = Tenant.named("acme");
    registry.active(
        acme, "tools", "pay", PaymentFixtures.paymentTool(payments.url("/payments"), true));
    registry.active(acme, "agents", "payer", PaymentFixtures.payingAgent());
    String run = runs.start(acme.operator(), "{\"agent\":\"payer\",\"input\":\"pay ACME\"}");
    String gate = approvals.awaitPendingToolCall(acme.approver(), run).path("id").asText();
    TestDatabase approvalDatabase = platform.databases().get("approval");
    ServiceProcess approval = platform.approvalProcess();
    double duplicatesBefore = decisionDuplicates();

    String eventId;
    try (RecordedTopic decisions = TestKafka.get().record(Topics.APPROVALS_DECIDED);
        Connection lock = approvalDatabase.connect()) {
      await("the approval service's outbox to be idle")
          .atMost(WITHIN)
          .until(() -> pendingRows(approvalDatabase) == 0);
      holdMarking(approvalDatabase, lock);
      try {
        approvals.decide(acme.approver(), gate, "{\"decision\":\"approve\"}");
        List<ConsumerRecord<String, byte[]>> published =
            await("the decision on Kafka")
                .atMost(WITHIN)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> decisions.withKeys(List.of(gate)), found -> !found.isEmpty());
        assertThat(published).hasSize(1);
        eventId = eventId(published.getFirst());
        await("the relay to be marking it sent")
            .atMost(WITHIN)
            .pollInterval(Duration.ofMillis(50))
            .until(() -> markingsWaiting(approvalDatabase) == 1);

        approval.kill();
      } finally {
        releaseMarking(lock);
      }
      await("the dead relay's transaction to be rolled back")
          .atMost(WITHIN)
          .until(
              () ->
                  markingsWaiting(approvalDatabase) == 0
                      && openTransactions(approvalDatabase) == 0);
      assertThat(sentAt(approvalDatabase, eventId))
          .as("the decision's outbox row, never marked sent")
          .isNull();
      stopHoldingMarking(approvalDatabase);

      Instant restarted = Instant.now();
      approval.ensureRunning();
      List<ConsumerRecord<String, byte[]>> both =
          await("the decision on Kafka again")
              .atMost(WITHIN)
              .pollInterval(Duration.ofMillis(100))
              .until(() -> decisions.withKeys(List.of(gate)), found -> found.size() >= 2);
      Duration republishedAfter = Duration.between(restarted, Instant.now());
      assertThat(both).as("published twice, no more").hasSize(2);
      assertThat(both.get(1).value())
          .as("the same event, byte for byte")
          .isEqualTo(both.get(0).value());
      assertThat(sentAt(approvalDatabase, eventId))
          .as("marked sent by the restarted relay")
          .isNotNull();

      // The execution service received both copies and applied the decision once.
      await("the execution service to skip the second copy")
          .atMost(WITHIN)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> decisionDuplicates() > duplicatesBefore);
      assertThat(processedTimes(eventId))
          .as("the decision in the execution service's ledger")
          .isEqualTo(1);
      System.out.printf(
          "RepublishedDecisionAppliedOnceIT: approval killed between Kafka's ack and the mark;"
              + " the decision was published again %d ms after the restart began, and the second"
              + " copy was skipped as a duplicate%n",
          republishedAfter.toMillis());
    } finally {
      stopHoldingMarking(approvalDatabase);
    }

    JsonNode ended = runs.awaitEnd(acme.operator(), run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    List<SseEvent> history = runs.history(acme.operator(), run);
    Runs.assertGapFree(history);
    assertThat(history.stream().filter(e -> e.name().equals("tool.approval_decided")))
        .as("one decision applied")
        .hasSize(1);
    assertThat(payments.effects()).as("one payment").hasSize(1);
  }

  // ---- the journey

  // ---- the fault

  /**
   * From now on, marking an outbox row of the approval service sent (setting its {@code
   * published_at}; nothing else the relay does, such as purging old rows) waits for the advisory
   * lock that {@code lock}'s session takes here.
   */
  private static void holdMarking(TestDatabase database, Connection lock) throws SQLException {
    try (Statement statement = lock.createStatement()) {
      statement.execute("SELECT pg_advisory_lock(" + MARKING_HELD + ")");
    }
    execute(
        database,
        """
        CREATE OR REPLACE FUNCTION approval.hold_outbox_marking() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock_shared(%d);
          RETURN NEW;
        END $$
        """
            .formatted(MARKING_HELD));
    execute(
        database,
        "CREATE TRIGGER hold_outbox_marking BEFORE UPDATE OF published_at"
            + " ON approval.outbox_event FOR EACH ROW"
            + " EXECUTE FUNCTION approval.hold_outbox_marking()");
  }

  private static void releaseMarking(Connection lock) throws SQLException {
    try (Statement statement = lock.createStatement()) {
      statement.execute("SELECT pg_advisory_unlock(" + MARKING_HELD + ")");
    }
  }

  private static void stopHoldingMarking(TestDatabase database) throws SQLException {
    execute(database, "DROP TRIGGER IF EXISTS hold_outbox_marking ON approval.outbox_event");
  }

  /** Statements of the database waiting for the advisory lock the trigger takes. */
  private static long markingsWaiting(TestDatabase database) throws SQLException {
    return count(
        database,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND wait_event_type = 'Lock' AND wait_event = 'advisory'");
  }

  /** Transactions open in the database now, but the asking one's. */
  private static long openTransactions(TestDatabase database) throws SQLException {
    return count(
        database,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            + " AND state NOT IN ('idle')");
  }

  private static long pendingRows(TestDatabase database) throws SQLException {
    return count(database, "SELECT count(*) FROM approval.outbox_event WHERE published_at IS NULL");
  }

  private static Object sentAt(TestDatabase database, String eventId) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT published_at FROM approval.outbox_event WHERE event_id = ?::uuid")) {
      select.setString(1, eventId);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).as("outbox row of %s", eventId).isTrue();
        return rows.getObject(1);
      }
    }
  }

  // ---- what the consumer did

  /** How often the execution service's ledger holds the event, for its decision consumer. */
  private long processedTimes(String eventId) throws SQLException {
    try (Connection connection = platform.databases().get("execution").connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT count(*) FROM execution.processed_event"
                    + " WHERE consumer = ? AND event_id = ?")) {
      select.setString(1, DECISION_CONSUMER);
      select.setString(2, eventId);
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** Deliveries the execution service's decision consumer found already applied (its metric). */
  private double decisionDuplicates() {
    String metrics =
        new ServiceApi(platform.executionProcess().uri()).get("/prometheus", null).raw();
    Matcher duplicates =
        Pattern.compile(
                "agentplane_consumer_events_total\\{[^}]*consumer=\""
                    + Pattern.quote(DECISION_CONSUMER)
                    + "\"[^}]*outcome=\"DUPLICATE\"[^}]*} ([0-9.eE+]+)")
            .matcher(metrics);
    return duplicates.find() ? Double.parseDouble(duplicates.group(1)) : 0;
  }

  /** The CloudEvent id of a record, read as any CloudEvents client reads it. */
  private static String eventId(ConsumerRecord<String, byte[]> record) {
    CloudEvent event = CLOUD_EVENTS_JSON.deserialize(record.value());
    return event.getId();
  }

  private static void execute(TestDatabase database, String sql) throws SQLException {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static long count(TestDatabase database, String sql) throws SQLException {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
