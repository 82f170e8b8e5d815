package dev.agentplane.execution.loop;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.gate.ToolGates;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunEventLog;
import dev.agentplane.execution.run.RunRepository;
import dev.agentplane.execution.run.TenantQuotas;
import dev.agentplane.kit.tenancy.JobsDataSource;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The only writer of a running run. Claims grant a lease with a new epoch; every later write is one
 * transaction that first moves the run's row forward <em>only if</em> the lease is still current
 * ({@code WHERE epoch = ? AND lease_owner = ?}) and then appends the checkpoint and events, so a
 * paused or partitioned worker can never write over a newer one.
 *
 * <p>Row-level security: a claim is scoped to the tenant it names, a write under a lease to the
 * lease's tenant, whichever thread makes it (a worker, a group commit's writer). Lease renewal and
 * release handle every lease held here at once, tenant after tenant: they go through the {@code
 * jobs} datasource.
 */
@Singleton
public class RunJournal {

  /** How long a contended claim waits before it is tried again. */
  public static final Duration CONTENDED_RETRY = Duration.ofMillis(5);

  /** Leases as the rows {@code held}, and their run rows {@code locked} in id order. */
  private static final String HELD_AND_LOCKED =
      """
      WITH held AS (
          SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::text[]) AS held(id, epoch, owner)
      ), locked AS (
          SELECT run.id FROM run JOIN held ON run.id = held.id
          ORDER BY run.id FOR NO KEY UPDATE OF run
      )
      """;

  /** What a commit learned about the run. */
  record Committed(long lastSequence, boolean cancelRequested) {}

  /** How a request to park a run for its approvals ended. */
  enum Parked {
    /** Parked: no lease, no deadline, until the decision on its last waiting gate. */
    PARKED,
    /** Every gate was decided meanwhile: the worker goes on. */
    DECIDED_MEANWHILE,
    /** A cancel was asked for: the worker ends the run. */
    CANCEL_REQUESTED
  }

  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final JdbcOperations jobsJdbc;
  private final TransactionOperations<Connection> jobs;
  private final RunEventLog events;
  private final ToolGates gates;
  private final TenantQuotas quotas;
  private final CommitRetry retry;
  private final GroupCommit group;

  RunJournal(
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions,
      @Named(JobsDataSource.NAME) JdbcOperations jobsJdbc,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> jobs,
      RunEventLog events,
      ToolGates gates,
      JournalSettings settings,
      MeterRegistry meters,
      TenantQuotas quotas) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.jobsJdbc = jobsJdbc;
    this.jobs = jobs;
    this.events = events;
    this.gates = gates;
    this.quotas = quotas;
    this.retry = new CommitRetry(jdbc, transactions, settings, meters);
    this.group = new GroupCommit(jdbc, retry, events, this::commitAlone, settings, meters);
  }

  @PreDestroy
  void stop() {
    group.stop();
  }

  /**
   * A claim's outcome: the claimed run, or none; {@code contended} when another claim of the same
   * tenant was deciding on the tenant's running quota at that moment, so this one decided nothing
   * and should be tried again shortly; {@code heldForTenant}, the tenant whose running quota kept
   * this queued top-level run from being claimed (null otherwise): it should be offered again when
   * one of that tenant's runs stops.
   */
  public record Claim(Optional<Run> run, boolean contended, String heldForTenant) {}

  /**
   * Claims a run that is queued, or running under a lease that ran out: the epoch goes up by one,
   * so the previous holder's writes are refused from now on. Empty when the run is terminal, waits
   * for a human, another worker holds a live lease, or the run is a top-level run and its tenant
   * has its quota of running top-level runs ({@link TenantQuotas}; the run then stays queued).
   * Tries again while {@link #tryClaim} is contended.
   */
  public Optional<Run> claim(String tenantId, UUID runId, String owner, Duration leaseDuration) {
    Claim claim = tryClaim(tenantId, runId, owner, leaseDuration);
    while (claim.contended()) {
      LockSupport.parkNanos(CONTENDED_RETRY.toNanos());
      claim = tryClaim(tenantId, runId, owner, leaseDuration);
    }
    return claim.run();
  }

  /**
   * {@link #claim} once. The running quota is counted under a per-tenant advisory lock, taken
   * without waiting: a claim that finds it held gives up at once ({@code contended}) rather than
   * holding its connection and its worker slot while other claims of a flooding tenant go first.
   *
   * <p>In a transaction of {@code tenantId}, the tenant the run was offered with: row-level
   * security hides the run of any other tenant, which is then not claimed.
   */
  public Claim tryClaim(String tenantId, UUID runId, String owner, Duration leaseDuration) {
    return TenantScope.call(tenantId, () -> tryClaimInScope(runId, owner, leaseDuration));
  }

  private Claim tryClaimInScope(UUID runId, String owner, Duration leaseDuration) {
    int runningQuota = quotas.runningQuota();
    Claim claim =
        transactions.executeWrite(
            status -> {
              TenantQuotas.QuotaLock lock = quotas.tryLockRunningQuota(runId);
              if (lock.contended()) {
                return new Claim(Optional.empty(), true, null);
              }
              Optional<Run> claimed =
                  jdbc.prepareStatement(
                      """
                  UPDATE run SET epoch = epoch + 1, lease_owner = ?,
                      lease_expires_at = now() + make_interval(secs => ?), status = 'running',
                      started_at = coalesce(started_at, now()),
                      deadline_at = coalesce(deadline_at, now() + coalesce(
                          make_interval(secs => time_left_ms / 1000.0),
                          make_interval(secs => timeout_seconds))),
                      time_left_ms = NULL
                  WHERE id = ? AND status IN ('queued', 'running')
                      AND (lease_owner IS NULL OR lease_expires_at < now())
                      AND (parent_run_id IS NOT NULL OR ? = 0 OR ? > (
                          SELECT count(*) FROM (
                              SELECT 1 FROM run busy
                              WHERE busy.tenant_id = run.tenant_id AND busy.status = 'running'
                                  AND busy.parent_run_id IS NULL AND busy.id <> run.id
                              LIMIT ?) AS capped))
                  RETURNING
                  """
                          + RunRepository.COLUMNS,
                      statement -> {
                        statement.setString(1, owner);
                        statement.setDouble(2, leaseDuration.toMillis() / 1000.0);
                        statement.setObject(3, runId);
                        statement.setInt(4, runningQuota);
                        statement.setInt(5, runningQuota);
                        statement.setInt(6, runningQuota);
                        return RunRepository.rows(statement.executeQuery()).stream().findFirst();
                      });
              // A queued top-level run that is not claimed, its lock held: the quota was full (or
              // another instance claimed it a moment ago, which a later offer finds out).
              boolean held = claimed.isEmpty() && lock.queuedTopLevel();
              return new Claim(claimed, false, held ? lock.tenantId() : null);
            });
    claim
        .run()
        .filter(run -> run.parentRunId() == null)
        // Committed: the tenant's queue may have one run fewer (a re-claim after a lost lease
        // only costs a count), so an intake waiting for room may count again.
        .ifPresent(run -> quotas.roomMade(run.tenantId()));
    return claim;
  }

  /**
   * Writes {@code commit} under {@code lease}; for an ending, also releases the lease. Commits do
   * not extend the lease (the workers' renewal does): the run row's indexed columns stay untouched,
   * so PostgreSQL updates it in place (HOT) step after step. Commits of several runs that arrive
   * together share one transaction ({@link GroupCommit}). A transient failure (serialization,
   * deadlock, lost connection) is written again, fenced as the first try was ({@link CommitRetry}).
   *
   * @throws StaleLeaseException when the lease is no longer current; nothing was written
   * @throws CommitOutcomeUnknownException when the commit's answer was lost and PostgreSQL could
   *     not say whether it committed
   */
  Committed commit(Lease lease, Commit commit) {
    // Gates are rare and need the row lock's view of the run: those commits go alone.
    if (group.enabled() && commit.gatesToOpen.isEmpty() && !commit.closesGates) {
      return group.commit(lease, commit);
    }
    return commitAlone(lease, commit);
  }

  private Committed commitAlone(Lease lease, Commit commit) {
    return TenantScope.call(
        lease.tenantId(), () -> retry.write(attempt -> write(lease, commit, attempt)));
  }

  /**
   * Parks a run whose remaining tool calls all wait for a human: it writes {@code commit}, then
   * lets go of the lease and the deadline (the time left is kept for the next claim), so nothing of
   * the run is held while it waits. Locks the run's row before looking at its gates, as a decision
   * does, so a decision that came in meanwhile is seen and the run is not parked.
   *
   * @throws StaleLeaseException when the lease is no longer current; nothing was written
   */
  Parked park(Lease lease, Commit commit) {
    return TenantScope.call(lease.tenantId(), () -> parkInScope(lease, commit));
  }

  private Parked parkInScope(Lease lease, Commit commit) {
    return retry.write(
        attempt -> {
          Boolean cancelRequested =
              jdbc.prepareStatement(
                  """
                  SELECT cancel_requested_at IS NOT NULL FROM run
                  WHERE id = ? AND epoch = ? AND lease_owner = ? FOR UPDATE
                  """,
                  statement -> {
                    statement.setObject(1, lease.runId());
                    statement.setLong(2, lease.epoch());
                    statement.setString(3, lease.owner());
                    try (ResultSet rows = statement.executeQuery()) {
                      return rows.next() ? rows.getBoolean(1) : null;
                    }
                  });
          if (cancelRequested == null) {
            throw new StaleLeaseException(lease.runId(), lease.epoch());
          }
          if (cancelRequested) {
            return Parked.CANCEL_REQUESTED;
          }
          if (!gates.anyWaiting(lease.runId())) {
            return Parked.DECIDED_MEANWHILE;
          }
          write(lease, commit, attempt);
          jdbc.prepareStatement(
              """
              UPDATE run SET status = 'waiting_approval', lease_owner = NULL,
                  lease_expires_at = NULL, deadline_at = NULL,
                  time_left_ms = greatest(0, (extract(epoch FROM deadline_at - now()) * 1000)::bigint)
              WHERE id = ?
              """,
              statement -> {
                statement.setObject(1, lease.runId());
                return statement.executeUpdate();
              });
          return Parked.PARKED;
        });
  }

  private Committed write(Lease lease, Commit commit, CommitRetry.Attempt<?> attempt) {
    Committed moved = advance(lease, commit, attempt);
    long first = moved.lastSequence() - commit.events.size() + 1;
    List<RunEvent> numbered = new ArrayList<>(commit.events.size());
    for (int i = 0; i < commit.events.size(); i++) {
      numbered.add(commit.events.get(i).at(first + i));
    }
    events.append(numbered);
    if (!commit.gatesToOpen.isEmpty()) {
      gates.open(commit.run, commit.gatesToOpen, Instant.now());
    }
    if (commit.closesGates) {
      gates.closeWaiting(lease.runId());
    }
    return moved;
  }

  /** The latest checkpoint of a run, empty before its first step ended. */
  Optional<RunState> latestCheckpoint(UUID runId) {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                "SELECT state::text FROM run_checkpoint WHERE run_id = ? ORDER BY seq DESC LIMIT 1",
                statement -> {
                  statement.setObject(1, runId);
                  try (ResultSet rows = statement.executeQuery()) {
                    return rows.next()
                        ? Optional.of(RunState.fromJson(rows.getString(1)))
                        : Optional.<RunState>empty();
                  }
                }));
  }

  /**
   * How many times a call of the run was started ({@code tool.started} events): a call started
   * under an earlier lease and still pending may or may not have happened.
   */
  int toolStarts(UUID runId, String toolCallId) {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                """
                SELECT count(*) FROM run_event
                WHERE run_id = ? AND type = 'tool.started' AND data ->> 'toolCallId' = ?
                """,
                statement -> {
                  statement.setObject(1, runId);
                  statement.setString(2, toolCallId);
                  try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getInt(1);
                  }
                }));
  }

  /**
   * Extends every lease still current; answers the runs whose lease was not (taken over or ended),
   * which their workers must stop.
   */
  Set<UUID> renew(Collection<Lease> leases, Duration leaseDuration) {
    Set<UUID> lost = new HashSet<>();
    leases.forEach(lease -> lost.add(lease.runId()));
    lockingTenantByTenant(
        leases,
        """
        UPDATE run SET lease_expires_at = now() + make_interval(secs => ?)
        FROM held JOIN locked ON locked.id = held.id
        WHERE run.id = held.id AND run.epoch = held.epoch AND run.lease_owner = held.owner
            AND run.status = 'running'
        RETURNING run.id
        """,
        leaseDuration.toMillis() / 1000.0,
        lost::remove);
    return lost;
  }

  /**
   * Lets go of leases at once (a graceful shutdown), so another instance claims the runs without
   * waiting for them to lapse; writes of the old epochs stay refused.
   */
  void release(Collection<Lease> leases) {
    lockingTenantByTenant(
        leases,
        """
        UPDATE run SET lease_expires_at = now() - make_interval(secs => ?)
        FROM held JOIN locked ON locked.id = held.id
        WHERE run.id = held.id AND run.epoch = held.epoch AND run.lease_owner = held.owner
            AND run.status = 'running'
        RETURNING run.id
        """,
        1.0,
        released -> {});
  }

  /**
   * Runs {@code update} over the rows of {@code leases} ({@code held}, and {@code locked}, their
   * run rows locked), in one transaction per tenant, handing each returned run id to {@code
   * touched}; {@code seconds} is the update's one parameter.
   *
   * <p>Decision: one transaction per tenant, each locking its rows in id order, as a group commit
   * does tenant after tenant. One transaction across tenants, even in id order, could hold a run of
   * one tenant while waiting for another tenant's run that a group commit had locked in an earlier
   * share, while that group commit waited for the first: a deadlock, which PostgreSQL resolves only
   * after {@code deadlock_timeout} (1 s), and the benchmark's quiet tenant paid that second for its
   * first checkpoint.
   */
  private void lockingTenantByTenant(
      Collection<Lease> leases, String update, double seconds, Consumer<UUID> touched) {
    Map<String, List<Lease>> byTenant = new TreeMap<>();
    leases.forEach(
        lease ->
            byTenant.computeIfAbsent(lease.tenantId(), tenant -> new ArrayList<>()).add(lease));
    String statement = HELD_AND_LOCKED + update;
    // Across tenants, as a job: the jobs role sees every tenant's runs.
    for (List<Lease> tenantLeases : byTenant.values()) {
      jobs.executeWrite(
          status ->
              jobsJdbc.prepareStatement(
                  statement,
                  prepared -> {
                    bindHeld(prepared, tenantLeases);
                    prepared.setDouble(4, seconds);
                    try (ResultSet rows = prepared.executeQuery()) {
                      while (rows.next()) {
                        touched.accept(rows.getObject(1, UUID.class));
                      }
                    }
                    return null;
                  }));
    }
  }

  private static void bindHeld(PreparedStatement statement, List<Lease> leases)
      throws SQLException {
    Connection connection = statement.getConnection();
    statement.setArray(
        1, connection.createArrayOf("uuid", leases.stream().map(Lease::runId).toArray()));
    statement.setArray(
        2, connection.createArrayOf("bigint", leases.stream().map(Lease::epoch).toArray()));
    statement.setArray(
        3, connection.createArrayOf("text", leases.stream().map(Lease::owner).toArray()));
  }

  /**
   * Moves the run's row forward under the lease and, in the same statement, appends the checkpoint
   * when the commit has one: one round trip, and nothing written when the lease is stale. Records
   * the transaction's id with {@code attempt}, should its commit go unanswered.
   */
  private Committed advance(Lease lease, Commit commit, CommitRetry.Attempt<?> attempt) {
    RunState state = commit.state;
    Commit.Ending ending = commit.ending;
    String update =
        ending == null
            ? """
              UPDATE run SET last_seq = last_seq + ?, steps = ?, input_tokens = ?,
                  output_tokens = ?, cost_micros = ?
              WHERE id = ? AND epoch = ? AND lease_owner = ?
              RETURNING id, tenant_id, epoch, last_seq, cancel_requested_at IS NOT NULL AS cancel,
                  pg_current_xact_id()::text AS xid
              """
            : """
              UPDATE run SET last_seq = last_seq + ?, steps = ?, input_tokens = ?,
                  output_tokens = ?, cost_micros = ?, lease_expires_at = NULL, lease_owner = NULL,
                  status = ?, output = ?::jsonb, error_code = ?, error_message = ?,
                  finished_at = now()
              WHERE id = ? AND epoch = ? AND lease_owner = ?
              RETURNING id, tenant_id, epoch, last_seq, cancel_requested_at IS NOT NULL AS cancel,
                  pg_current_xact_id()::text AS xid
              """;
    String sql =
        commit.checkpoint
            ? "WITH moved AS ("
                + update
                + """
                ), saved AS (
                    INSERT INTO run_checkpoint (run_id, seq, parent_seq, tenant_id, epoch, step,
                        state)
                    SELECT id, ?, ?, tenant_id, epoch, ?, ?::jsonb FROM moved
                )
                SELECT last_seq, cancel, xid FROM moved
                """
            : update;
    return jdbc.prepareStatement(
        sql,
        statement -> {
          int i = 1;
          statement.setInt(i++, commit.events.size());
          statement.setInt(i++, state.steps());
          statement.setLong(i++, state.usage().inputTokens());
          statement.setLong(i++, state.usage().outputTokens());
          statement.setLong(i++, state.costMicros());
          if (ending != null) {
            statement.setString(i++, ending.status().wire());
            statement.setString(i++, ending.output() == null ? null : ending.output().toString());
            statement.setString(i++, ending.errorCode());
            statement.setString(i++, ending.errorMessage());
          }
          statement.setObject(i++, lease.runId());
          statement.setLong(i++, lease.epoch());
          statement.setString(i++, lease.owner());
          if (commit.checkpoint) {
            statement.setInt(i++, state.seq());
            if (state.seq() > 1) {
              statement.setInt(i++, state.seq() - 1);
            } else {
              statement.setNull(i++, Types.INTEGER);
            }
            statement.setInt(i++, state.steps());
            statement.setString(i, state.toJson());
          }
          try (ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
              throw new StaleLeaseException(lease.runId(), lease.epoch());
            }
            attempt.wroteIn(rows.getString("xid"));
            return new Committed(rows.getLong("last_seq"), rows.getBoolean("cancel"));
          }
        });
  }
}
