package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentplane.contracts.MalformedEventException;
import dev.agentplane.contracts.StepKind;
import dev.agentplane.execution.model.ChatMessage;
import dev.agentplane.execution.model.TokenUsage;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunStatus;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fencing at the journal, on real rows: once a newer claim raised a run's epoch, every write under
 * the old lease (a commit, an ending, a renewal, a release) is refused and leaves the database as
 * the newer owner left it — no checkpoint, no event, no outbox message — also when the write shares
 * a group commit with other runs' steps, which go through.
 *
 * <p>Runs are inserted as intake leaves them but without a dispatch message, and the sweeper is
 * slowed to once an hour, so only this test claims them; the outbox relay is off.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseFencingIT extends ExecutionTestSupport {

  private static final Duration SHORT_LEASE = Duration.ofMillis(200);
  private static final Duration LONG_LEASE = Duration.ofMinutes(5);

  @Inject RunJournal journal;
  @Inject RunWorkers workers;
  @Inject MeterRegistry meters;
  @Inject JdbcOperations jdbc;
  @Inject TransactionOperations<Connection> transactions;

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.workers.sweep-every",
        "1h",
        // Workers hold leases of a second and never renew them: a worker busy for longer is as
        // good as paused past its lease (a long GC), which is what the worker-level test needs.
        "agentplane.execution.workers.lease-duration",
        "1s",
        "agentplane.execution.workers.renew-every",
        "1h",
        // Outbox rows stay where the journal wrote them (this service deletes published ones), so
        // the test can count exactly what each write enqueued.
        "agentplane.outbox.relay-enabled",
        "false",
        // One tenant claims 40 runs at once here: the journal, not the quota, is under test.
        "agentplane.execution.quotas.running-runs-per-tenant",
        "0");
  }

  @Test
  void aCommitUnderALeaseThatAnotherWorkerTookOverIsRefusedAndWritesNothing() {
    String tenant = newTenant();
    UUID runId = insertQueuedRun(tenant);
    Lease stale =
        lease(journal.claim(tenant, runId, "worker-a", SHORT_LEASE).orElseThrow(), "worker-a");
    Lease current = takeOver(tenant, runId, "worker-b");
    assertThat(stale.epoch()).isEqualTo(1);
    assertThat(current.epoch()).isEqualTo(2);
    Map<String, Object> before = runRow(runId);

    assertThatThrownBy(() -> journal.commit(stale, aStep(stale)))
        .isInstanceOf(StaleLeaseException.class);
    assertThatThrownBy(() -> journal.commit(stale, anEnding(stale)))
        .isInstanceOf(StaleLeaseException.class);

    assertThat(runRow(runId)).isEqualTo(before);
    assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", runId)).isZero();
    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", runId)).isZero();
    assertThat(count("SELECT count(*) FROM outbox_event WHERE message_key = ?", runId.toString()))
        .isZero();

    // The new owner's writes go through, and the old one's stay refused after them.
    journal.commit(current, aStep(current));
    assertThatThrownBy(() -> journal.commit(stale, aStep(stale)))
        .isInstanceOf(StaleLeaseException.class);
    assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", runId)).isOne();
    assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ? AND epoch = 2", runId))
        .isOne();
    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", runId)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM outbox_event WHERE message_key = ?", runId.toString()))
        .isEqualTo(2);
    assertThat(runRow(runId))
        .containsEntry("status", "running")
        .containsEntry("last_seq", 2L)
        .containsEntry("steps", 1)
        .containsEntry("lease_owner", "worker-b");
  }

  @Test
  void anOldEpochIsRefusedEvenWhenTheSameWorkerClaimedTheRunAgain() {
    String tenant = newTenant();
    UUID runId = insertQueuedRun(tenant);
    Lease first =
        lease(journal.claim(tenant, runId, "worker-a", SHORT_LEASE).orElseThrow(), "worker-a");
    Lease again = takeOver(tenant, runId, "worker-a");
    assertThat(again.epoch()).isEqualTo(first.epoch() + 1);

    assertThatThrownBy(() -> journal.commit(first, aStep(first)))
        .isInstanceOf(StaleLeaseException.class);

    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", runId)).isZero();
    journal.commit(again, anEnding(again));
    assertThat(runRow(runId))
        .containsEntry("status", "succeeded")
        .containsEntry("epoch", 2L)
        .containsEntry("lease_owner", null);
  }

  @Test
  void renewingOrReleasingAStaleLeaseFailsAndLeavesTheNewOwnersLeaseAlone() {
    String tenant = newTenant();
    UUID runId = insertQueuedRun(tenant);
    Lease stale =
        lease(journal.claim(tenant, runId, "worker-a", SHORT_LEASE).orElseThrow(), "worker-a");
    Lease current = takeOver(tenant, runId, "worker-b");
    Map<String, Object> before = runRow(runId);

    assertThat(journal.renew(List.of(stale), LONG_LEASE.multipliedBy(2))).containsExactly(runId);
    journal.release(List.of(stale));

    assertThat(runRow(runId)).isEqualTo(before);
    assertThat(journal.renew(List.of(current), LONG_LEASE.multipliedBy(2))).isEmpty();
    assertThat((Instant) runRow(runId).get("lease_expires_at"))
        .isAfter((Instant) before.get("lease_expires_at"));
  }

  /**
   * A group commit locks its runs tenant after tenant, in id order within each tenant. A renewal
   * that locked runs of several tenants in one transaction deadlocked with it whenever it held a
   * lower-id run of one tenant that the group commit reached later, while waiting for a run the
   * group commit had locked for an earlier tenant.
   */
  @Test
  void renewingLeasesOfSeveralTenantsDoesNotDeadlockWithAWriterLockingThemTenantAfterTenant()
      throws Exception {
    String first = newTenant();
    String second = newTenant();
    Lease early = claimNew(first);
    Lease late = claimNew(second);
    // The writer locks `early` (first tenant), then `late`; deadlocking needed `late` below.
    while (!lowerId(late.runId(), early.runId())) {
      late = claimNew(second);
    }
    Lease later = late;
    try (Connection writer = asOwner()) {
      writer.setAutoCommit(false);
      try (Statement settings = writer.createStatement()) {
        // A deadlock is found by the process whose wait outlasts this: here, the writer's.
        settings.execute("SET LOCAL deadlock_timeout = '100ms'");
      }
      lockRun(writer, early.runId());
      CompletableFuture<Set<UUID>> renewal =
          CompletableFuture.supplyAsync(
              () -> journal.renew(List.of(early, later), LONG_LEASE.multipliedBy(2)),
              runnable -> Thread.ofVirtual().start(runnable));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> renewal.isDone() || waitingForALock("WITH held AS"));

      lockRun(writer, later.runId());
      writer.commit();

      assertThat(renewal.get(10, TimeUnit.SECONDS)).as("leases not renewed").isEmpty();
    }
  }

  /**
   * The planner estimates a tenant's rows (the row-level security policy's tenant condition) from
   * statistics taken before that tenant grew: a tenant that floods in thousands of runs must still
   * have its group commits look each run up by id, not scan the tenant's runs once per commit (3 ms
   * instead of 0.2 in the noisy-neighbour benchmark).
   */
  @Test
  void aGroupCommitLooksItsRunsUpByIdHoweverManyRunsItsTenantHas() throws SQLException {
    String large = newTenant();
    try (Connection owner = asOwner();
        Statement statement = owner.createStatement()) {
      // A few large tenants then, so that the statistics' most common values cover nearly every
      // run and leave the tenant that floods afterwards an estimate of one row.
      statement.execute(manyRuns("'" + newTenant() + "-' || (n % 4)", 20_000));
      statement.execute("ANALYZE run");
      statement.execute(manyRuns("'" + large + "'", 3_000));
    }
    Lease lease = claimNew(large);

    String plan =
        TenantScope.call(
            large,
            () ->
                transactions.executeRead(
                    status ->
                        jdbc.prepareStatement(
                            "EXPLAIN (FORMAT JSON) " + GroupCommit.ADVANCE,
                            explain -> {
                              String[] oneStep = {
                                "{" + lease.runId() + "}",
                                "{1}",
                                "{worker-a}",
                                "{1}",
                                "{1}",
                                "{0}",
                                "{0}",
                                "{0}",
                                "{NULL}",
                                "{NULL}",
                                "{NULL}",
                                "{NULL}",
                                "{1}",
                                "{NULL}",
                                "{NULL}"
                              };
                              for (int i = 0; i < oneStep.length; i++) {
                                explain.setString(i + 1, oneStep[i]);
                              }
                              try (ResultSet rows = explain.executeQuery()) {
                                rows.next();
                                return rows.getString(1);
                              }
                            })));

    assertThat(plan).contains("\"run_pkey\"").doesNotContain("\"run_by_tenant\"");
  }

  @Test
  void aLiveLeaseIsNotTakenOverAndAFinishedRunIsNotClaimed() {
    String tenant = newTenant();
    UUID runId = insertQueuedRun(tenant);
    Lease held =
        lease(journal.claim(tenant, runId, "worker-a", LONG_LEASE).orElseThrow(), "worker-a");

    assertThat(journal.claim(tenant, runId, "worker-b", LONG_LEASE)).isEmpty();
    assertThat(runRow(runId)).containsEntry("epoch", 1L).containsEntry("lease_owner", "worker-a");

    journal.commit(held, anEnding(held));
    assertThat(journal.claim(tenant, runId, "worker-b", LONG_LEASE)).isEmpty();
    assertThat(runRow(runId)).containsEntry("epoch", 1L).containsEntry("status", "succeeded");
  }

  @Test
  void commitsOfManyRunsArrivingTogetherShareTransactionsAndAStaleOneAmongThemIsRefusedAlone()
      throws Exception {
    String tenant = newTenant();
    UUID staleRun = insertQueuedRun(tenant);
    Lease stale =
        lease(journal.claim(tenant, staleRun, "worker-a", SHORT_LEASE).orElseThrow(), "worker-a");
    takeOver(tenant, staleRun, "worker-b");
    Map<String, Object> atTakeOver = runRow(staleRun);
    List<Lease> leases = new ArrayList<>();
    for (int i = 0; i < 39; i++) {
      UUID runId = insertQueuedRun(tenant);
      leases.add(
          lease(journal.claim(tenant, runId, "worker-a", LONG_LEASE).orElseThrow(), "worker-a"));
    }
    leases.add(20, stale);
    Batches before = batches();

    Map<Lease, Throwable> outcomes = commitAtOnce(leases, LeaseFencingIT::aStep);

    assertThat(outcomes.get(stale)).isInstanceOf(StaleLeaseException.class);
    assertThat(outcomes).hasSize(40).containsOnlyKeys(leases);
    assertThat(outcomes.entrySet().stream().filter(e -> e.getKey() != stale))
        .allSatisfy(e -> assertThat(e.getValue()).isNull());
    Batches during = batches().since(before);
    assertThat(during.commits()).as("every commit went through a group commit").isEqualTo(40);
    assertThat(during.transactions())
        .as("commits arriving together shared transactions")
        .isLessThan(during.commits());
    assertThat(runRow(staleRun)).isEqualTo(atTakeOver);
    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", staleRun)).isZero();
    for (Lease held : leases) {
      if (held == stale) {
        continue;
      }
      assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", held.runId()))
          .isOne();
      assertThat(
              count(
                  "SELECT count(*) FROM run_event WHERE run_id = ? AND seq IN (1, 2)",
                  held.runId()))
          .isEqualTo(2);
      assertThat(
              count(
                  "SELECT count(*) FROM outbox_event WHERE message_key = ?",
                  held.runId().toString()))
          .isEqualTo(2);
      assertThat(runRow(held.runId())).containsEntry("last_seq", 2L).containsEntry("steps", 1);
    }
  }

  @Test
  void aCommitThatCannotBeWrittenFailsAloneAndTheOthersOfItsBatchGoThrough() throws Exception {
    String tenant = newTenant();
    List<Lease> leases = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      UUID runId = insertQueuedRun(tenant);
      leases.add(
          lease(journal.claim(tenant, runId, "worker-a", LONG_LEASE).orElseThrow(), "worker-a"));
    }
    Lease broken = leases.get(15);

    Map<Lease, Throwable> outcomes =
        commitAtOnce(
            leases,
            held ->
                held == broken
                    // Step 0 breaks the event schema (steps count from 1): the commit cannot be
                    // published, so it must not be written either.
                    ? aStep(held)
                        .event(
                            new EventDrafts(held.tenantId(), held.runId(), held.agentId())
                                .stepStarted(0, StepKind.TOOL))
                    : aStep(held));

    assertThat(outcomes.get(broken)).isInstanceOf(MalformedEventException.class);
    assertThat(outcomes.entrySet().stream().filter(e -> e.getKey() != broken))
        .allSatisfy(e -> assertThat(e.getValue()).isNull());
    assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", broken.runId()))
        .isZero();
    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", broken.runId())).isZero();
    assertThat(runRow(broken.runId())).containsEntry("last_seq", 0L);
    assertThat(
            count(
                "SELECT count(*) FROM run_checkpoint WHERE tenant_id = ? AND run_id <> ?",
                tenant,
                broken.runId()))
        .isEqualTo(29);
  }

  @Test
  void commitsOfSeveralTenantsArrivingTogetherShareATransactionEachTenantUnderItsOwnBinding()
      throws Exception {
    List<String> tenants = List.of(newTenant(), newTenant(), newTenant());
    List<Lease> leases = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String tenant = tenants.get(i % tenants.size());
      UUID runId = insertQueuedRun(tenant);
      leases.add(
          lease(journal.claim(tenant, runId, "worker-a", LONG_LEASE).orElseThrow(), "worker-a"));
    }

    Map<Lease, Throwable> outcomes = commitAtOnce(leases, LeaseFencingIT::aStep);

    assertThat(outcomes).hasSize(30).allSatisfy((held, failure) -> assertThat(failure).isNull());
    for (String tenant : tenants) {
      assertThat(count("SELECT count(*) FROM run_checkpoint WHERE tenant_id = ?", tenant))
          .isEqualTo(10);
      assertThat(count("SELECT count(*) FROM run_event WHERE tenant_id = ?", tenant)).isEqualTo(20);
      assertThat(count("SELECT count(*) FROM outbox_event WHERE tenant_id = ?", tenant))
          .isEqualTo(20);
    }
    // Rows one transaction wrote share its id (xmin): some group commit carried several tenants
    // and wrote each tenant's steps under that tenant's binding (another tenant's rows would have
    // been refused, and the batch written again commit by commit).
    assertThat(
            count(
                """
                SELECT max(tenants) FROM (
                    SELECT count(DISTINCT tenant_id) AS tenants FROM run_checkpoint
                    WHERE tenant_id IN (?, ?, ?) GROUP BY xmin::text) AS per_transaction
                """,
                tenants.toArray()))
        .isGreaterThan(1);
  }

  /**
   * Commits one step for each lease from its own thread, all released at once; answers each lease's
   * failure, or null where the commit went through.
   */
  private Map<Lease, Throwable> commitAtOnce(List<Lease> leases, Function<Lease, Commit> step)
      throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    Map<Lease, Throwable> outcomes = new ConcurrentHashMap<>();
    List<Thread> committers = new ArrayList<>();
    for (Lease held : leases) {
      committers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      go.await();
                      journal.commit(held, step.apply(held));
                      outcomes.put(held, NONE);
                    } catch (Throwable failure) {
                      outcomes.put(held, failure);
                    }
                  }));
    }
    go.countDown();
    for (Thread committer : committers) {
      committer.join(Duration.ofSeconds(30));
    }
    Map<Lease, Throwable> answered = new HashMap<>();
    outcomes.forEach((held, outcome) -> answered.put(held, outcome == NONE ? null : outcome));
    return answered;
  }

  // Stands for "no failure" where a concurrent map takes no nulls.
  private static final Throwable NONE = new Throwable("none");

  /** Group-commit transactions written so far, and the step commits they carried. */
  private record Batches(long transactions, long commits) {

    Batches since(Batches earlier) {
      return new Batches(transactions - earlier.transactions, commits - earlier.commits);
    }
  }

  private Batches batches() {
    return Optional.ofNullable(meters.find(GroupCommit.BATCH_METRIC).summary())
        .map(summary -> new Batches(summary.count(), Math.round(summary.totalAmount())))
        .orElse(new Batches(0, 0));
  }

  /** Waits for the short lease to lapse and claims the run as {@code owner}. */
  @Test
  void aWorkerPausedPastItsLeaseWritesNothingOnceTheRunWasTakenOver() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    // Asleep for long after its lease lapses: the take-over must come before the worker wakes, or
    // its commits, still under the epoch it holds, go through.
    registry.activeAgent(
        tenant,
        "sleeper",
        aScriptedAgent()
            .tools("sleep")
            .calls("sleep", "{'milliseconds': 6000}")
            .answers("'rested'")
            .build());
    JsonNode run = start(operator(tenant), "{\"agent\":\"sleeper\",\"input\":\"rest\"}");
    UUID runId = UUID.fromString(run.path("id").asText());
    await("the worker to start its tool call")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM run_event WHERE run_id = ? AND type = 'tool.started'",
                        runId)
                    == 1);

    // The worker sleeps through its one-second lease without renewing it; another takes over.
    Lease current = takeOver(tenant, runId, "worker-b");
    assertThat(current.epoch()).isEqualTo(2);
    Map<String, Object> atTakeOver = runRow(runId);
    long events = count("SELECT count(*) FROM run_event WHERE run_id = ?", runId);
    long checkpoints = count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", runId);
    long outbox =
        count("SELECT count(*) FROM outbox_event WHERE message_key = ?", runId.toString());

    await("the paused worker to wake up, try its commit and stop")
        .atMost(Duration.ofSeconds(20))
        .until(() -> !workers.executing(runId));

    assertThat(runRow(runId)).isEqualTo(atTakeOver);
    assertThat(count("SELECT count(*) FROM run_event WHERE run_id = ?", runId)).isEqualTo(events);
    assertThat(count("SELECT count(*) FROM run_checkpoint WHERE run_id = ?", runId))
        .isEqualTo(checkpoints);
    assertThat(count("SELECT count(*) FROM outbox_event WHERE message_key = ?", runId.toString()))
        .isEqualTo(outbox);
    // The new holder's writes still go through.
    journal.commit(current, anEnding(current));
    assertThat(runRow(runId).get("status")).isEqualTo("succeeded");
  }

  private Lease takeOver(String tenant, UUID runId, String owner) {
    Run claimed =
        await("the first lease to lapse")
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> journal.claim(tenant, runId, owner, LONG_LEASE), Optional::isPresent)
            .orElseThrow();
    return lease(claimed, owner);
  }

  /** An insert of {@code count} finished runs, each of the tenant {@code tenantOf} gives for n. */
  private static String manyRuns(String tenantOf, int count) {
    return """
        INSERT INTO run (id, tenant_id, agent_id, agent_name, agent_version, spec_hash, mode,
            status, input, snapshot, metadata, created_by, creator_type, creator_roles,
            timeout_seconds, last_seq, finished_at)
        SELECT gen_random_uuid(), %s, gen_random_uuid(), 'many', 1, 'sha256:0', 'production',
            'succeeded', '"go"', '{}', '{}', 'op', 'user', ARRAY['operator'], 600, 0, now()
        FROM generate_series(1, %d) AS n
        """
        .formatted(tenantOf, count);
  }

  private Lease claimNew(String tenant) {
    UUID runId = insertQueuedRun(tenant);
    return lease(journal.claim(tenant, runId, "worker-a", LONG_LEASE).orElseThrow(), "worker-a");
  }

  /** Whether PostgreSQL orders {@code one} before {@code other} (not as Java compares them). */
  private boolean lowerId(UUID one, UUID other) {
    return count("SELECT count(*) FROM (SELECT WHERE ?::uuid < ?::uuid) AS below", one, other) == 1;
  }

  private static void lockRun(Connection connection, UUID runId) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT 1 FROM run WHERE id = ? FOR NO KEY UPDATE")) {
      lock.setObject(1, runId);
      lock.executeQuery().close();
    }
  }

  private boolean waitingForALock(String statementStart) {
    return count(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND ltrim(query) LIKE ? || '%'
            """,
            statementStart)
        > 0;
  }

  private static Lease lease(Run run, String owner) {
    return new Lease(run.id(), run.tenantId(), run.agentId(), owner, run.epoch());
  }

  /** One model step: its checkpoint and two events, as the loop commits it. */
  private static Commit aStep(Lease lease) {
    EventDrafts drafts = new EventDrafts(lease.tenantId(), lease.runId(), lease.agentId());
    RunState state =
        RunState.initial(List.of(ChatMessage.user("go")))
            .afterModelCall(
                ChatMessage.assistant("done", List.of()), List.of(), new TokenUsage(1, 1), 0);
    return Commit.checkpointing(state)
        .event(drafts.stepStarted(1, StepKind.MODEL))
        .event(drafts.modelCompleted(1, "done", 0, 1, 1, "stop"));
  }

  /** The run's last commit: it succeeds. */
  private static Commit anEnding(Lease lease) {
    EventDrafts drafts = new EventDrafts(lease.tenantId(), lease.runId(), lease.agentId());
    RunState state = RunState.initial(List.of(ChatMessage.user("go")));
    return Commit.eventsOnly(state)
        .event(drafts.succeeded(TextNode.valueOf("done")))
        .ending(new Commit.Ending(RunStatus.SUCCEEDED, TextNode.valueOf("done"), null, null));
  }

  /** A run as intake stores it, minus the dispatch message: queued, never claimed. */
  private UUID insertQueuedRun(String tenant) {
    UUID runId = UUID.randomUUID();
    try (Connection connection = asOwner();
        PreparedStatement insert =
            connection.prepareStatement(
                """
                INSERT INTO run (id, tenant_id, agent_id, agent_name, agent_version, spec_hash,
                    mode, status, input, snapshot, metadata, created_by, creator_type,
                    creator_roles, timeout_seconds, last_seq)
                VALUES (?, ?, ?, 'fenced', 1, 'sha256:0', 'production', 'queued', '"go"', '{}',
                    '{}', 'op', 'user', ARRAY['operator'], 600, 0)
                """)) {
      insert.setObject(1, runId);
      insert.setString(2, tenant);
      insert.setObject(3, UUID.randomUUID());
      insert.executeUpdate();
      return runId;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The run row's fencing and progress columns. */
  private Map<String, Object> runRow(UUID runId) {
    try (Connection connection = asOwner();
        PreparedStatement select =
            connection.prepareStatement(
                """
                SELECT status, epoch, lease_owner, lease_expires_at, last_seq, steps, output::text,
                    finished_at
                FROM run WHERE id = ?
                """)) {
      select.setObject(1, runId);
      try (ResultSet row = select.executeQuery()) {
        assertThat(row.next()).isTrue();
        Map<String, Object> columns = new HashMap<>();
        columns.put("status", row.getString("status"));
        columns.put("epoch", row.getLong("epoch"));
        columns.put("lease_owner", row.getString("lease_owner"));
        Timestamp expires = row.getTimestamp("lease_expires_at");
        columns.put("lease_expires_at", expires == null ? null : expires.toInstant());
        columns.put("last_seq", row.getLong("last_seq"));
        columns.put("steps", row.getInt("steps"));
        columns.put("output", row.getString("output"));
        columns.put("finished_at", row.getTimestamp("finished_at"));
        return columns;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private long count(String sql, Object... parameters) {
    try (Connection connection = asOwner();
        PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        select.setObject(i + 1, parameters[i]);
      }
      try (ResultSet row = select.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
