package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.runs.RunLoad.Submitted;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Figures read from the execution service's database, where every step commits: runs and
 * checkpoints committed in a window, and each run's latency to a commit, read with {@code
 * pg_xact_commit_timestamp} (the suite's PostgreSQL runs with {@code track_commit_timestamp=on}),
 * so a latency ends when the commit did, not when its transaction began.
 */
public final class RunLedger {

  private static final int CHUNK = 2000;

  private final BenchStack stack;

  public RunLedger(BenchStack stack) {
    this.stack = stack;
  }

  /** Runs of {@code tenant} that finished (any terminal status) in [from, to). */
  public long finishedBetween(String tenant, Instant from, Instant to) throws SQLException {
    return count(
        "SELECT count(*) FROM run WHERE tenant_id = ? AND finished_at >= ? AND finished_at < ?",
        tenant,
        from,
        to);
  }

  /** Checkpoints (= step commits) of {@code tenant} written in [from, to). */
  public long checkpointsBetween(String tenant, Instant from, Instant to) throws SQLException {
    return count(
        "SELECT count(*) FROM run_checkpoint WHERE tenant_id = ? AND created_at >= ?"
            + " AND created_at < ?",
        tenant,
        from,
        to);
  }

  /** How many of {@code tenant}'s runs are in {@code status}. */
  public long inStatus(String tenant, String status) throws SQLException {
    try (Connection connection = stack.executionDatabase();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT count(*) FROM run WHERE tenant_id = ? AND status = ?")) {
      query.setString(1, tenant);
      query.setString(2, status);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** Waits until none of {@code runs} is unfinished; answers how many still are at the deadline. */
  public long awaitFinished(Collection<UUID> runs, Duration within) throws SQLException {
    long deadline = System.nanoTime() + within.toNanos();
    long unfinished;
    do {
      unfinished = unfinished(runs);
      if (unfinished == 0) {
        return 0;
      }
      LockSupport.parkNanos(200_000_000);
    } while (System.nanoTime() < deadline);
    return unfinished;
  }

  /** Waits until {@code count} runs of {@code tenant} are in {@code status}. */
  public void awaitInStatus(String tenant, String status, long count, Duration within)
      throws SQLException {
    long deadline = System.nanoTime() + within.toNanos();
    long now;
    while ((now = inStatus(tenant, status)) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            now + " of " + count + " runs " + status + " after " + within);
      }
      LockSupport.parkNanos(200_000_000);
    }
  }

  /**
   * Microseconds from each run's due time to its terminal commit, for the runs that finished
   * succeeded (a run that failed would be a wrong figure and is counted by {@link #failed}).
   */
  public Histogram dueToFinished(Map<UUID, Submitted> runs) throws SQLException {
    Histogram latencies = new Histogram(3);
    forEachCommit(
        runs.keySet(),
        "SELECT id, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint"
            + " FROM run WHERE id = ANY(?) AND status = 'succeeded'",
        (id, committedMicros) ->
            latencies.recordValue(Math.max(0, committedMicros - runs.get(id).dueEpochMicros())));
    return latencies;
  }

  /** Microseconds from each run's 202 to the commit of its first checkpoint. */
  public Histogram acceptedToFirstCheckpoint(Map<UUID, Submitted> runs) throws SQLException {
    Histogram latencies = new Histogram(3);
    firstCheckpointCommits(runs.keySet())
        .forEach(
            (id, committedMicros) ->
                latencies.recordValue(
                    Math.max(0, committedMicros - runs.get(id).acceptedEpochMicros())));
    return latencies;
  }

  /**
   * When each of {@code runs} committed its first checkpoint (wall clock, microseconds); a run that
   * has none yet is absent.
   */
  public Map<UUID, Long> firstCheckpointCommits(Collection<UUID> runs) throws SQLException {
    Map<UUID, Long> commits = new HashMap<>();
    forEachCommit(
        runs,
        "SELECT DISTINCT ON (run_id) run_id,"
            + " (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint"
            + " FROM run_checkpoint WHERE run_id = ANY(?) ORDER BY run_id, seq",
        commits::put);
    return commits;
  }

  /**
   * When the execution service built a run and when it was first claimed (wall clock,
   * microseconds): {@code created_at}, after its request's turn at intake came and its agent was
   * resolved, before the intake transaction; {@code started_at}, the claim transaction's start,
   * null while not claimed.
   */
  public record Built(long builtAt, Long claimedAt) {}

  /** When each of {@code runs} was built and claimed, in one read of the run table. */
  public Map<UUID, Built> builtAndClaimed(Collection<UUID> runs) throws SQLException {
    Map<UUID, Built> built = new HashMap<>();
    forEachRow(
        runs,
        "SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint,"
            + " (extract(epoch FROM started_at) * 1000000)::bigint FROM run WHERE id = ANY(?)",
        row -> {
          long builtAt = row.getLong(2);
          long claimedAt = row.getLong(3);
          built.put(
              row.getObject(1, UUID.class), new Built(builtAt, row.wasNull() ? null : claimedAt));
        });
    return built;
  }

  /** How many of {@code runs} ended in a status other than succeeded. */
  public long failed(Collection<UUID> runs) throws SQLException {
    long[] failed = {0};
    forEachCommit(
        runs,
        "SELECT id, 0::bigint FROM run WHERE id = ANY(?) AND finished_at IS NOT NULL"
            + " AND status <> 'succeeded'",
        (id, ignored) -> failed[0]++);
    return failed[0];
  }

  private long unfinished(Collection<UUID> runs) throws SQLException {
    long[] open = {0};
    forEachCommit(
        runs,
        "SELECT id, 0::bigint FROM run WHERE id = ANY(?) AND finished_at IS NULL",
        (id, ignored) -> open[0]++);
    return open[0];
  }

  private interface RowHandler {
    void row(UUID id, long value);
  }

  private interface RowReader {
    void row(ResultSet row) throws SQLException;
  }

  /** {@link #forEachRow} for a query answering a run id and one number per row. */
  private void forEachCommit(Collection<UUID> ids, String sql, RowHandler handler)
      throws SQLException {
    forEachRow(ids, sql, row -> handler.row(row.getObject(1, UUID.class), row.getLong(2)));
  }

  /** Runs {@code sql} (its one parameter the ids, as a uuid array) in chunks of the ids. */
  private void forEachRow(Collection<UUID> ids, String sql, RowReader reader) throws SQLException {
    List<UUID> all = new ArrayList<>(ids);
    try (Connection connection = stack.executionDatabase();
        PreparedStatement query = connection.prepareStatement(sql)) {
      for (int from = 0; from < all.size(); from += CHUNK) {
        Array chunk =
            connection.createArrayOf(
                "uuid", all.subList(from, Math.min(all.size(), from + CHUNK)).toArray());
        query.setArray(1, chunk);
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            reader.row(rows);
          }
        }
      }
    }
  }

  private long count(String sql, String tenant, Instant from, Instant to) throws SQLException {
    try (Connection connection = stack.executionDatabase();
        PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, tenant);
      query.setTimestamp(2, Timestamp.from(from));
      query.setTimestamp(3, Timestamp.from(to));
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
