package dev.agentplane.execution.run;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.kit.outbox.Outbox;
import io.cloudevents.CloudEvent;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Appends a run's events: each is stored in {@code run_event} (what SSE replays) and handed to the
 * outbox for {@code agentplane.runs.events} (what Kafka consumers read), with the same payload, in
 * the caller's transaction; the commit then wakes every instance's SSE streams of the run through
 * PostgreSQL {@code NOTIFY}.
 */
@Singleton
public class RunEventLog {

  /** The {@code NOTIFY} channel; the payload is the run id. */
  public static final String CHANNEL = "agentplane_run_events";

  private final JdbcOperations jdbc;
  private final Outbox outbox;

  RunEventLog(JdbcOperations jdbc, Outbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /** Appends events already numbered by the caller, under the run's row lock. */
  public void append(UUID runId, List<? extends RunEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    jdbc.prepareStatement(
        "INSERT INTO run_event (run_id, seq, tenant_id, type, data) VALUES (?, ?, ?, ?, ?::jsonb)",
        statement -> {
          for (RunEvent event : events) {
            CloudEvent published = outbox.enqueue(event);
            statement.setObject(1, runId);
            statement.setLong(2, event.sequence());
            statement.setString(3, event.tenantId());
            statement.setString(4, event.streamName());
            statement.setString(
                5, new String(published.getData().toBytes(), StandardCharsets.UTF_8));
            statement.addBatch();
          }
          return statement.executeBatch();
        });
    jdbc.prepareStatement(
        "SELECT pg_notify(?, ?)",
        statement -> {
          statement.setString(1, CHANNEL);
          statement.setString(2, runId.toString());
          return statement.execute();
        });
  }

  /**
   * Reserves the next {@code count} sequence numbers of a run that no worker holds (intake,
   * cancelling a queued run) and answers the first; the row stays locked until commit.
   */
  public long reserve(UUID runId, int count) {
    return jdbc.prepareStatement(
        "UPDATE run SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
        statement -> {
          statement.setInt(1, count);
          statement.setObject(2, runId);
          try (var rows = statement.executeQuery()) {
            if (!rows.next()) {
              throw new IllegalStateException("Run " + runId + " vanished");
            }
            return rows.getLong(1) - count + 1;
          }
        });
  }
}
