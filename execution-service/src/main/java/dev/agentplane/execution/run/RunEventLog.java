package dev.agentplane.execution.run;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.kit.outbox.Outbox;
import io.cloudevents.CloudEvent;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;

/**
 * Appends a run's events: each is stored in {@code run_event} (what SSE replays) and handed to the
 * outbox for {@code agentplane.runs.events} (what Kafka consumers read), with the same payload, in
 * the caller's transaction; the commit then wakes every instance's SSE streams of the run through
 * PostgreSQL {@code NOTIFY} (a trigger on {@code run_event}, migration V3).
 */
@Singleton
public class RunEventLog {

  /** The {@code NOTIFY} channel; the payload is the run id. Migration V3's trigger names it too. */
  public static final String CHANNEL = "agentplane_run_events";

  private final JdbcOperations jdbc;
  private final Outbox outbox;

  RunEventLog(JdbcOperations jdbc, Outbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /**
   * Appends events already numbered by the caller, under the run's row lock, in one statement
   * (whose trigger notifies the run's listeners) plus one outbox batch.
   */
  public void append(UUID runId, List<? extends RunEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<CloudEvent> published = outbox.enqueueAll(events);
    jdbc.prepareStatement(
        """
        INSERT INTO run_event (run_id, seq, tenant_id, type, data)
        SELECT ?, appended.seq, ?, appended.type, appended.data::jsonb
        FROM unnest(?::bigint[], ?::text[], ?::text[]) AS appended(seq, type, data)
        """,
        statement -> {
          Connection connection = statement.getConnection();
          Long[] sequences = new Long[events.size()];
          String[] types = new String[events.size()];
          String[] payloads = new String[events.size()];
          for (int i = 0; i < events.size(); i++) {
            sequences[i] = events.get(i).sequence();
            types[i] = events.get(i).streamName();
            payloads[i] = new String(published.get(i).getData().toBytes(), StandardCharsets.UTF_8);
          }
          statement.setObject(1, runId);
          statement.setString(2, events.getFirst().tenantId());
          statement.setArray(3, connection.createArrayOf("bigint", sequences));
          statement.setArray(4, connection.createArrayOf("text", types));
          statement.setArray(5, connection.createArrayOf("text", payloads));
          return statement.executeUpdate();
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
