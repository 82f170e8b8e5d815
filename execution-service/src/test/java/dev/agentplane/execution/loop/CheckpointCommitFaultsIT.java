package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.RunClient;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Request;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real PostgreSQL failures in the middle of step commits, injected by triggers a superuser installs
 * on the service's tables for one tenant: serialization failures ({@code 40001}) and deadlocks
 * ({@code 40P01}) raised by the statements of a commit, the commit's backend terminated in the
 * middle of it (before and after its first write returned), and a commit that PostgreSQL carried
 * out but whose answer never came back (its backend terminated while it waited, after committing,
 * for a synchronous standby). Each time the commit is written again, or not at all when it had
 * committed, by the worker that holds the run: the run ends with the same steps and events as a run
 * that met no fault, under its first lease (no takeover), each payment made once and each call made
 * once.
 *
 * <p>The journal's writers are on (group commits), as in production; leases last 10 s, so a worker
 * that gave a run up (as every one of these faults made it do before commits were retried) would be
 * replaced well within the minute a test waits for the run, which the assertions would see (a
 * {@code run.resumed}, a second epoch). A renewal held up for seconds on a loaded machine, behind a
 * commit that holds the run's row while it waits, does not lose the lease.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckpointCommitFaultsIT extends ExecutionTestSupport {

  /** Every commit of a fault-free run of {@link #payThrice}: what the faulted runs must match. */
  private static List<String> referenceEvents;

  @Inject MeterRegistry meters;

  private TestDatabase database;
  private CountingToolServer api;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    // The database the service runs on, reached as the superuser the test server has, who may put
    // triggers on the service's tables.
    database =
        new TestDatabase(
            properties.get("agentplane.db.url"),
            properties.get("agentplane.db.user"),
            properties.get("agentplane.db.password"));
    return properties;
  }

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.workers.lease-duration", "10s",
        "agentplane.execution.workers.renew-every", "1s");
  }

  @BeforeAll
  void installFaultFunctions() throws SQLException {
    api = CountingToolServer.start();
    execute(
        """
        CREATE FUNCTION execution.injected_fault() RETURNS trigger LANGUAGE plpgsql
        -- As the owner of the test's sequences: the service's own login may not count on them.
        SECURITY DEFINER AS $$
        BEGIN
          -- A sequence counts the hits: unlike a table, it is not rolled back with the failed
          -- transaction, so the first N hits fail and the rest pass.
          IF nextval(TG_ARGV[0]::regclass) <= TG_ARGV[1]::bigint THEN
            IF TG_ARGV[2] = 'terminate' THEN
              PERFORM pg_terminate_backend(pg_backend_pid());
            ELSE
              RAISE EXCEPTION 'injected fault %', TG_ARGV[2] USING ERRCODE = TG_ARGV[2];
            END IF;
          END IF;
          RETURN NEW;
        END $$
        """);
    execute(
        """
        CREATE FUNCTION execution.commit_waits_for_standby() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM set_config('synchronous_commit', 'on', true);
          RETURN NEW;
        END $$
        """);
  }

  @AfterAll
  void stopToolServer() {
    api.close();
  }

  @Test
  void serializationFailuresAndDeadlocksInStepCommitsAreWrittenAgainWithNoStepLostOrRepeated()
      throws SQLException {
    String tenant = payingTenant();
    double serializationRetries = retries(CommitRetry.Cause.SERIALIZATION_FAILURE);
    double deadlockRetries = retries(CommitRetry.Cause.DEADLOCK_DETECTED);

    // The first checkpoint write fails twice, and so do the first two event writes after intake's.
    injectFault("serialization", "run_checkpoint", tenant, "40001", 2);
    injectFault("deadlock", "run_event", tenant, "40P01", 2);
    JsonNode run;
    try {
      run = start(operator(tenant), PAY_THRICE);
      awaitSucceeded(tenant, run);
    } finally {
      removeFault("serialization", "run_checkpoint");
      removeFault("deadlock", "run_event");
    }

    assertSameStepsAsAFaultFreeRun(tenant, run);
    assertThat(hits("serialization")).as("checkpoint writes that met the trigger").isGreaterThan(2);
    assertThat(hits("deadlock")).as("event writes that met the trigger").isGreaterThan(2);
    assertThat(retries(CommitRetry.Cause.SERIALIZATION_FAILURE) - serializationRetries)
        .isEqualTo(2);
    assertThat(retries(CommitRetry.Cause.DEADLOCK_DETECTED) - deadlockRetries).isEqualTo(2);
    System.out.printf(
        "CheckpointCommitFaultsIT: 2 x 40001 and 2 x 40P01 injected; %.0f + %.0f commits written"
            + " again; the run ended under its first lease%n",
        retries(CommitRetry.Cause.SERIALIZATION_FAILURE) - serializationRetries,
        retries(CommitRetry.Cause.DEADLOCK_DETECTED) - deadlockRetries);
  }

  @Test
  void aCommitWhoseConnectionDropsIsWrittenAgainOnAFreshConnectionWithNoStepLostOrRepeated()
      throws SQLException {
    String tenant = payingTenant();
    double lostRetries = retries(CommitRetry.Cause.CONNECTION_LOST);
    double abortedInDoubt = inDoubt(CommitRetry.Outcome.ABORTED);

    // The backend is terminated once in the middle of a commit's work (writing a checkpoint): it
    // never got to COMMIT. And once during a COMMIT (by a deferred trigger on the events, which
    // runs as the commit begins): the journal does not know whether it went through, and asks.
    injectFault("drop_at_checkpoint", "run_checkpoint", tenant, "terminate", 1);
    injectFaultAtCommit("drop_at_commit", "run_event", tenant, "terminate", 1);
    JsonNode run;
    try {
      run = start(operator(tenant), PAY_THRICE);
      awaitSucceeded(tenant, run);
    } finally {
      removeFault("drop_at_checkpoint", "run_checkpoint");
      removeFault("drop_at_commit", "run_event");
    }

    assertSameStepsAsAFaultFreeRun(tenant, run);
    assertThat(hits("drop_at_checkpoint")).isGreaterThan(1);
    assertThat(hits("drop_at_commit")).isGreaterThan(1);
    assertThat(retries(CommitRetry.Cause.CONNECTION_LOST) - lostRetries).isEqualTo(2);
    assertThat(inDoubt(CommitRetry.Outcome.ABORTED) - abortedInDoubt)
        .as("the commit cut off in its COMMIT, found not committed")
        .isEqualTo(1);
  }

  @Test
  void aCommitThatWentThroughButWhoseAnswerWasLostIsNotWrittenAgain() throws Exception {
    assumeThat(serverSetting("synchronous_commit"))
        .as("other sessions must not wait for the standby that never comes")
        .isEqualTo("off");
    String tenant = payingTenant();
    double committedInDoubt = inDoubt(CommitRetry.Outcome.COMMITTED);
    double lostRetries = retries(CommitRetry.Cause.CONNECTION_LOST);
    api.holdNext(1);
    JsonNode run;
    long terminated;
    try {
      run = start(operator(tenant), PAY_THRICE);
      await("the first payment to be made")
          .atMost(Duration.ofSeconds(30))
          .until(() -> api.holding() == 1);
      // From now on the run's checkpoint commits wait, once committed locally, for a synchronous
      // standby that does not exist; no other session waits (synchronous_commit is off for them).
      execute("ALTER SYSTEM SET synchronous_standby_names = 'fault_injection_standby'");
      execute("SELECT pg_reload_conf()");
      execute(
          "CREATE TRIGGER wait_for_standby BEFORE INSERT ON execution.run_checkpoint FOR EACH ROW"
              + " WHEN (NEW.tenant_id = '"
              + tenant
              + "') EXECUTE FUNCTION execution.commit_waits_for_standby()");
      api.release();
      // The payment's result is committed and waits for the standby: its backend is terminated,
      // as a failover or an operator would, so the journal never hears that it committed.
      terminated =
          await("a step commit to wait for the standby")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(20))
              .until(this::commitWaitingForStandby, pid -> pid != 0);
      execute("SELECT pg_terminate_backend(" + terminated + ")");
      await("the terminated backend to go")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !backendAlive(terminated));
    } finally {
      api.release();
      // First the standby goes, which releases any commit still waiting for it (the next step's,
      // say): dropping the trigger waits for the transactions using its table.
      execute("ALTER SYSTEM RESET synchronous_standby_names");
      execute("SELECT pg_reload_conf()");
      execute("DROP TRIGGER IF EXISTS wait_for_standby ON execution.run_checkpoint");
    }
    awaitSucceeded(tenant, run);

    assertSameStepsAsAFaultFreeRun(tenant, run);
    assertThat(inDoubt(CommitRetry.Outcome.COMMITTED) - committedInDoubt)
        .as("the commit found committed after its connection was lost")
        .isEqualTo(1);
    assertThat(retries(CommitRetry.Cause.CONNECTION_LOST) - lostRetries)
        .as("nothing written again")
        .isZero();
  }

  // ---------------------------------------------------------------------------------------------

  private static final String PAY_THRICE = "{\"agent\":\"payer\",\"input\":\"pay A, B and C\"}";

  /**
   * A fresh tenant whose agent {@code payer} pays A, B and C through an idempotent payment API, one
   * call per turn, then answers: seven steps, each ending in a checkpoint commit.
   */
  private String payingTenant() {
    String tenant = newTenant();
    registry.activeTool(tenant, "pay", ToolSpecs.payment(api.url("/payments"), true));
    registry.activeAgent(tenant, "payer", payThrice());
    return tenant;
  }

  private static JsonNode payThrice() {
    return aScriptedAgent()
        .tools("pay")
        .calls("pay", "{'amount': 1, 'to': 'A'}")
        .calls("pay", "{'amount': 2, 'to': 'B'}")
        .calls("pay", "{'amount': 3, 'to': 'C'}")
        .answers("'paid thrice'")
        .build();
  }

  private void awaitSucceeded(String tenant, JsonNode run) {
    JsonNode ended = runs().awaitEnd(operator(tenant), run, Duration.ofSeconds(60));
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
  }

  /**
   * The run has the events, in order, of a run of the same agent that met no fault; its checkpoints
   * are numbered 1..n, each with its parent, one per step; it was never taken over; each payment
   * was requested once and made once.
   */
  private void assertSameStepsAsAFaultFreeRun(String tenant, JsonNode run) throws SQLException {
    List<SseEvent> events = events(operator(tenant), run);
    RunClient.assertNoGapsOrDuplicates(events);
    assertThat(names(events)).as("the run's events").isEqualTo(referenceEvents(tenant));
    UUID runId = UUID.fromString(run.path("id").asText());
    assertThat(query("SELECT epoch FROM execution.run WHERE id = ?", runId))
        .as("claimed once: no worker gave it up")
        .containsExactly(1L);
    assertThat(query("SELECT last_seq FROM execution.run WHERE id = ?", runId))
        .containsExactly((long) events.size());
    List<Long> checkpoints =
        query("SELECT seq FROM execution.run_checkpoint WHERE run_id = ? ORDER BY seq", runId);
    assertThat(checkpoints)
        .as("checkpoint numbers")
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 7).mapToObj(Long::valueOf).toList());
    assertThat(
            query(
                "SELECT count(*) FROM execution.run_checkpoint WHERE run_id = ?"
                    + " AND parent_seq IS DISTINCT FROM (CASE WHEN seq > 1 THEN seq - 1 END)",
                runId))
        .as("checkpoints whose parent is not the one before")
        .containsExactly(0L);
    List<Request> calls =
        api.requests().stream()
            .filter(r -> r.idempotencyKey() != null && r.idempotencyKey().startsWith(runId + ":"))
            .toList();
    assertThat(calls).as("one request per payment").hasSize(3);
    assertThat(calls).extracting(Request::replayed).containsOnly(false);
    assertThat(
            api.effects().stream()
                .filter(e -> e.idempotencyKey().startsWith(runId + ":"))
                .map(e -> e.bodyJson().path("to").asText()))
        .as("one payment to each payee")
        .containsExactly("A", "B", "C");
  }

  /** The event names of a fault-free run of the paying agent, run once for the class. */
  private List<String> referenceEvents(String tenant) {
    if (referenceEvents == null) {
      JsonNode reference = start(operator(tenant), PAY_THRICE);
      awaitSucceeded(tenant, reference);
      referenceEvents = names(events(operator(tenant), reference));
    }
    return referenceEvents;
  }

  /**
   * Makes the first {@code times} row writes of {@code tenant} into {@code table} fail with {@code
   * sqlState}, or terminate their backend ({@code "terminate"}). Intake's {@code run.queued} event
   * is spared: intake is not the journal.
   */
  private void injectFault(String name, String table, String tenant, String fault, int times)
      throws SQLException {
    execute("CREATE SEQUENCE execution.fault_" + name);
    execute(
        "CREATE TRIGGER fault_"
            + name
            + " BEFORE INSERT ON execution."
            + table
            + " FOR EACH ROW"
            + faultCall(name, table, tenant, fault, times));
  }

  /** As {@link #injectFault}, but as the transaction commits (a deferred constraint trigger). */
  private void injectFaultAtCommit(
      String name, String table, String tenant, String fault, int times) throws SQLException {
    execute("CREATE SEQUENCE execution.fault_" + name);
    execute(
        "CREATE CONSTRAINT TRIGGER fault_"
            + name
            + " AFTER INSERT ON execution."
            + table
            + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            + faultCall(name, table, tenant, fault, times));
  }

  private static String faultCall(
      String name, String table, String tenant, String fault, int times) {
    String spareIntake = table.equals("run_event") ? " AND NEW.type <> 'run.queued'" : "";
    return " WHEN (NEW.tenant_id = '"
        + tenant
        + "'"
        + spareIntake
        + ") EXECUTE FUNCTION execution.injected_fault('execution.fault_"
        + name
        + "', '"
        + times
        + "', '"
        + fault
        + "')";
  }

  private void removeFault(String name, String table) throws SQLException {
    execute("DROP TRIGGER IF EXISTS fault_" + name + " ON execution." + table);
  }

  /** How many writes met the fault's trigger (its sequence's last value). */
  private long hits(String name) throws SQLException {
    return query("SELECT last_value FROM execution.fault_" + name).getFirst();
  }

  /** The backend of a commit of this database waiting for a synchronous standby, or 0. */
  private long commitWaitingForStandby() throws SQLException {
    List<Long> waiting =
        query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND wait_event = 'SyncRep'");
    assertThat(waiting).as("commits waiting for the standby").hasSizeLessThanOrEqualTo(1);
    return waiting.isEmpty() ? 0 : waiting.getFirst();
  }

  private boolean backendAlive(long pid) throws SQLException {
    return query("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", (int) pid).getFirst() > 0;
  }

  private double retries(CommitRetry.Cause cause) {
    Counter counter = meters.find(CommitRetry.RETRIES_METRIC).tag("cause", cause.tag()).counter();
    return counter == null ? 0 : counter.count();
  }

  private double inDoubt(CommitRetry.Outcome outcome) {
    Counter counter =
        meters
            .find(CommitRetry.IN_DOUBT_METRIC)
            .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** A setting as a new session of the service's gets it: the server's configuration. */
  private String serverSetting(String name) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select = connection.prepareStatement("SELECT current_setting(?)")) {
      select.setString(1, name);
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private List<Long> query(String sql, Object... parameters) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        select.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = select.executeQuery()) {
        List<Long> values = new ArrayList<>();
        while (rows.next()) {
          values.add(rows.getLong(1));
        }
        return values;
      }
    }
  }
}
