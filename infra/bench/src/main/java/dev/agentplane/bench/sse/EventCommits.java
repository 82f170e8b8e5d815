package dev.agentplane.bench.sse;

import dev.agentplane.bench.BenchStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * When each event of some runs became visible: the commit time of its {@code run_event} row, read
 * with {@code pg_xact_commit_timestamp} (the suite's PostgreSQL tracks commit timestamps). An SSE
 * stream cannot see an event before this moment, so a delivery latency counts from it. The events'
 * own {@code time} is not used: it is set when the event is drafted, before its commit.
 */
final class EventCommits {

  /** An event whose commit time PostgreSQL did not record (track_commit_timestamp off). */
  static final long UNKNOWN = -1;

  private final Map<UUID, long[]> commitMicrosBySeq;

  private EventCommits(Map<UUID, long[]> commitMicrosBySeq) {
    this.commitMicrosBySeq = commitMicrosBySeq;
  }

  static EventCommits of(BenchStack stack, Collection<UUID> runs) throws SQLException {
    Map<UUID, long[]> commits = new HashMap<>();
    try (Connection connection = stack.executionDatabase();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT run_id, seq,"
                    + " (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint"
                    + " FROM execution.run_event WHERE run_id = ANY(?)")) {
      query.setArray(1, connection.createArrayOf("uuid", runs.toArray()));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          UUID run = rows.getObject(1, UUID.class);
          int seq = Math.toIntExact(rows.getLong(2));
          long[] bySeq = commits.getOrDefault(run, new long[0]);
          if (seq >= bySeq.length) {
            bySeq = Arrays.copyOf(bySeq, Math.max(seq + 1, bySeq.length * 2));
          }
          long committed = rows.getLong(3);
          bySeq[seq] = rows.wasNull() ? UNKNOWN : committed;
          commits.put(run, bySeq);
        }
      }
    }
    return new EventCommits(commits);
  }

  /**
   * The run's commit times (epoch microseconds) by sequence number: 0 where it has no event (index
   * 0), {@link #UNKNOWN} where the time was not recorded.
   */
  long[] of(UUID run) {
    return commitMicrosBySeq.getOrDefault(run, new long[0]);
  }
}
